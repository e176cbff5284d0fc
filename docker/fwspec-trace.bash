# BASH_ENV of a rules script that asks for bash (harness/rules/apply.ts): bash as root does not take PS4 from the
# environment, so the trace mark fwspec reads (harness/rules/script-trace.ts SCRIPT_TRACE_MARK) is set here, untraced.
{ PS4='@@fwspec-trace '; unset BASH_ENV; } 2>/dev/null

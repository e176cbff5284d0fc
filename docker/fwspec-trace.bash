# BASH_ENV of a rules script that asks for bash (harness/rules/apply.ts): bash as root does not take PS4 from the
# environment, so the trace mark fwspec reads (harness/rules/script-trace.ts BASH_TRACE_PS4: the mark, then `@` and
# the line each command is on) is set here, untraced.
{ PS4='@@fwspec-trace @${LINENO} '; unset BASH_ENV; } 2>/dev/null

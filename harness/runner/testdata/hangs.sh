# An apply script that never ends on its own: `sh -e` waits for its child `sleep`.
echo "waiting for something that never comes"
sleep 3600
iptables -A INPUT -j DROP

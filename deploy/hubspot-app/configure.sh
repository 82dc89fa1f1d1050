#!/usr/bin/env bash
# Points the HubSpot app project at a gateway: the card's fetch URL, the permitted fetch and iframe URLs and
# the OAuth redirect URL all take the gateway's public URL (its --public-url).
#
#   deploy/hubspot-app/configure.sh https://gateway.example.com
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
url=${1:-}
url=${url%/}
if ! [[ "$url" =~ ^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?$ ]]; then
    echo "usage: $0 https://GATEWAY-HOST[:PORT]" >&2
    echo "HubSpot calls and frames only https:// URLs, and not localhost; give the gateway's public URL without a path." >&2
    exit 2
fi

cfg="$HERE/src/app/cards/gateway.js"
current=$(sed -n "s/^export const GATEWAY_URL = '\(.*\)';$/\1/p" "$cfg")
[ -n "$current" ] || { echo "$cfg: GATEWAY_URL not found" >&2; exit 1; }
for f in "$cfg" "$HERE/src/app/app-hsmeta.json"; do
    sed -i "s#${current//./\\.}#${url}#g" "$f"
done
echo "The app now uses $url:"
grep -n "$url" "$cfg" "$HERE/src/app/app-hsmeta.json" | sed "s#^$HERE/##"

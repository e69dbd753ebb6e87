"""One HTTP call for live_run.sh (the GPU machine has no curl): URL METHOD PATH TOKEN [BODY].
Prints the status and the body on one line; status 0 when nothing answered."""

import sys
import urllib.error
import urllib.request

url, method, path, token = sys.argv[1:5]
body = sys.argv[5].encode() if len(sys.argv) > 5 else None
request = urllib.request.Request(url + path, data=body, method=method, headers={
    "Authorization": "Bearer " + token, "Content-Type": "application/json"})
try:
    with urllib.request.urlopen(request, timeout=10) as answer:
        print(answer.status, answer.read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
except OSError as e:
    print(0, e)

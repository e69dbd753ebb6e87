#!/usr/bin/env python3
"""Requests that end badly, by the thousand, then what the instance still holds (docs/testing.md).

A hand tool, not a benchmark: start the embedded default by hand with small parts and short
reservations, so that each kind of upload is reached and housekeeping drops what they left:
  PT2CACHE_PORT=18620 PT2CACHE_S3_PART_SIZE=5MB PT2CACHE_S3_SINGLE_PUT_MAX=8MB \
  PT2CACHE_RESERVATION_TTL=2m PT2CACHE_GRACE=1m PT2CACHE_PURGE_INTERVAL=1m ./mvnw spring-boot:test-run
then: python3 bench/cut-requests.py PORT [COUNT] [WAIT_SECONDS]
COUNT (1000): requests of each scenario (half that for the heavy ones); WAIT_SECONDS (240): how long
to wait before the last measure, for timeouts and a purge round. STALLED=N (environment, 0) adds N
bodies of each upload kind and N downloads that stop mid-way and wait for the service's timeouts.
It uses the embedded default's admin token and store credentials, the namespace `default`, spool
files in SPOOL_DIR (/tmp), and psql for the database's rows and sessions.
"""
import concurrent.futures as cf, datetime, hashlib, hmac, json, os, random, re, socket, struct
import subprocess, sys, threading, time, urllib.error, urllib.request

PORT = int(sys.argv[1])
COUNT = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
WAIT = int(sys.argv[3]) if len(sys.argv) > 3 else 240
STALLED = int(os.environ.get('STALLED', '0'))
SPOOL = os.environ.get('SPOOL_DIR', '/tmp')
TOKEN, NS, HOST = 'pt2cache-local-admin-token', '/v1/namespaces/default', '127.0.0.1'
S3_KEY, S3_SECRET = 'pt2cache-local', 'pt2cache-local-secret'
DATA = os.urandom(13 << 20)  # fresh bytes each run: nothing the store holds already
counts, lock = {}, threading.Lock()

# --- what the instance holds -------------------------------------------------------------------

def sh(*args, env=None):
    return subprocess.run(args, capture_output=True, text=True, env=env).stdout

def sockets():
    return [l.split() for l in sh('ss', '-tanpH').splitlines()]

PID = next(int(re.search(r'pid=(\d+)', l[-1]).group(1)) for l in sockets()
           if l[0] == 'LISTEN' and l[3].endswith(f':{PORT}'))
S3_PORT = next(int(l[3].rsplit(':', 1)[1]) for l in sockets() if l[0] == 'LISTEN'
               and f'pid={PID},' in l[-1] and not l[3].endswith(f':{PORT}'))
PG_PORT = int(re.search(r'postgres -D \S+ -p (\d+)', sh('ps', '-eo', 'args')).group(1))

def psql(sql):
    return sh('psql', '-h', HOST, '-p', str(PG_PORT), '-U', 'postgres', '-Atc', sql,
              env=dict(os.environ, PGPASSWORD='postgres')).strip()

def metric(name):
    with urllib.request.urlopen(f'http://{HOST}:{PORT}/actuator/metrics/{name}', timeout=10) as r:
        return json.load(r)['measurements'][0]['value']

def open_multipart_uploads():
    """ListMultipartUploads on the embedded S3 server, signed (SigV4) by hand."""
    now = datetime.datetime.now(datetime.timezone.utc)
    amz, day, host = now.strftime('%Y%m%dT%H%M%SZ'), now.strftime('%Y%m%d'), f'{HOST}:{S3_PORT}'
    empty = hashlib.sha256(b'').hexdigest()
    signed = 'host;x-amz-content-sha256;x-amz-date'
    canonical = (f'GET\n/pt2cache\nuploads=\nhost:{host}\nx-amz-content-sha256:{empty}\n'
                 f'x-amz-date:{amz}\n\n{signed}\n{empty}')
    scope = f'{day}/us-east-1/s3/aws4_request'
    key = ('AWS4' + S3_SECRET).encode()
    for part in scope.split('/'):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    text = f'AWS4-HMAC-SHA256\n{amz}\n{scope}\n' + hashlib.sha256(canonical.encode()).hexdigest()
    signature = hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
    request = urllib.request.Request(f'http://{host}/pt2cache?uploads=', headers={
        'x-amz-date': amz, 'x-amz-content-sha256': empty, 'Authorization':
        f'AWS4-HMAC-SHA256 Credential={S3_KEY}/{scope}, SignedHeaders={signed}, Signature={signature}'})
    return urllib.request.urlopen(request, timeout=10).read().count(b'<Upload>')

def snapshot():
    s = {'open descriptors': len(os.listdir(f'/proc/{PID}/fd'))}
    threads = {}
    for task in os.listdir(f'/proc/{PID}/task'):
        try:
            name = open(f'/proc/{PID}/task/{task}/comm').read()
        except OSError:
            continue
        kind = ('threads: S3Proxy (the embedded S3 server)' if name.startswith('S3Proxy')
                else 'threads: the service')
        threads[kind] = threads.get(kind, 0) + 1
    s.update(sorted(threads.items()))
    conns = {'TCP: clients to the service': 0, 'TCP: service to S3': 0, 'TCP: service to PostgreSQL': 0}
    for f in sockets():
        if f'pid={PID},' not in f[-1] or f[0] == 'LISTEN':
            continue
        local, peer = int(f[3].rsplit(':', 1)[1]), int(f[4].rsplit(':', 1)[1])
        key = ('TCP: clients to the service' if local == PORT else 'TCP: service to S3'
               if peer == S3_PORT else 'TCP: service to PostgreSQL' if peer == PG_PORT else None)
        if key:
            conns[key] += 1
    s.update(conns)
    spools = [f for f in os.listdir(SPOOL) if f.startswith('pt2cache-upload-')]
    s['spool files'] = len(spools)
    for name in ('pt2cache.entry.spool', 'pt2cache.store.uploads.buffered',
                 'pt2cache.store.uploads.permits.used', 'pt2cache.store.uploads.waiting',
                 'pt2cache.store.downloads.active', 'pt2cache.store.downloads.small',
                 'pt2cache.store.downloads.waiting', 'hikaricp.connections.active',
                 'hikaricp.connections.pending', 'http.server.requests.active',
                 'tomcat.connections.current'):
        s[name] = metric(name)
    s['PostgreSQL sessions (not idle)'] = psql(
        "select count(*) from pg_stat_activity where backend_type = 'client backend'"
        " and state <> 'idle' and pid <> pg_backend_pid()")
    s['advisory locks'] = psql("select count(*) from pg_locks where locktype = 'advisory'")
    s['pending artifact rows'] = psql("select count(*) from artifact where state = 'PENDING'")
    s['blob rows'] = psql('select count(*) from blob')
    s['open multipart uploads'] = open_multipart_uploads()
    return s

# --- requests that end badly -------------------------------------------------------------------

def call(method, path, body=None, token=True):
    headers = {'Content-Type': 'application/json'} if body is not None else {}
    if token:
        headers['Authorization'] = 'Bearer ' + TOKEN
    request = urllib.request.Request(f'http://{HOST}:{PORT}{path}', method=method, headers=headers,
                                     data=json.dumps(body).encode() if body is not None else None)
    try:
        with urllib.request.urlopen(request, timeout=120) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()

def declare(content):
    descriptor = {'model': {'name': 'cut-%x' % random.getrandbits(48), 'version': '1'},
                  'software': {'torch': '2.11.0'}, 'hardware': {'gpu': 'H100'},
                  'compile': {'mode': 'default'}}
    status, body = call('POST', NS + '/artifacts', {
        'kind': 'mega-cache', 'descriptor': descriptor,
        'sha256': hashlib.sha256(content).hexdigest(), 'sizeBytes': len(content)})
    assert status in (200, 201), (status, body)
    return f"{NS}/artifacts/{json.loads(body)['id']}/content"

def connect(method, path, headers, token=True):
    s = socket.create_connection((HOST, PORT), timeout=120)
    lines = [f'{method} {path} HTTP/1.1', f'Host: {HOST}:{PORT}']
    lines += ['Authorization: Bearer ' + TOKEN] if token else []
    lines += [f'{k}: {v}' for k, v in headers.items()]
    s.sendall(('\r\n'.join(lines) + '\r\n\r\n').encode())
    return s

def end(s, how):
    """RST (SO_LINGER 0), or FIN then waiting for the service to close, as an exiting process."""
    if how == 'RST':
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    else:
        try:
            s.shutdown(socket.SHUT_WR)
            while s.recv(1 << 16):
                pass
        except OSError:
            pass
    s.close()

def status(s):
    head = b''
    while b'\r\n' not in head:
        chunk = s.recv(4096)
        if not chunk:
            return 'closed'
        head += chunk
    return head.split(b' ', 2)[1].decode()

def cut_upload(path, total, sent, how, headers=None, chunked=False):
    h = {'Content-Type': 'application/octet-stream'}
    h.update({'Transfer-Encoding': 'chunked'} if chunked else {'Content-Length': str(total)})
    s = connect('PUT', path, dict(h, **(headers or {})))
    if chunked:
        s.sendall(b'%x\r\n' % sent + DATA[:sent] + b'\r\n')
    else:
        s.sendall(memoryview(DATA)[:sent])
    end(s, how)

def whole_upload(path, body, headers=None, token=True):
    s = connect('PUT', path, dict({'Content-Type': 'application/octet-stream',
                                   'Content-Length': str(len(body))}, **(headers or {})), token)
    try:
        s.sendall(body)
        return status(s)
    except OSError as e:
        return type(e).__name__
    finally:
        s.close()

def cut_download(path, read, how):
    s = connect('GET', path, {})
    got = 0
    while got < read:
        chunk = s.recv(min(1 << 16, read - got))
        if not chunk:
            break
        got += len(chunk)
    if how == 'hold':
        time.sleep(15)  # a reader that stops, then goes
    if how == 'RST':
        end(s, 'RST')
    else:
        s.close()  # unread bytes: the kernel resets, as for a killed process

def run(name, n, one, workers=8):
    def each(i):
        try:
            result = one(i) or 'sent'
        except Exception as e:
            result = type(e).__name__
        with lock:
            counts.setdefault(name, {}).setdefault(result, 0)
            counts[name][result] += 1
    started = time.time()
    with cf.ThreadPoolExecutor(workers) as pool:
        list(pool.map(each, range(n)))
    print(f'  {name:50} {n:5} in {time.time() - started:5.1f} s  {counts[name]}', flush=True)

def drive():
    small, streamed, multipart = DATA[:1 << 20], DATA[:6 << 20], DATA[:12 << 20]
    ready = {}
    for size in (128 << 10, 1 << 20, 12 << 20):
        body = DATA[size % 997:size % 997 + size]
        ready[size] = declare(body)
        assert whole_upload(ready[size], body) == '200'
    key = lambda tag, i: f'cut{tag}{random.getrandbits(40):x}{i:06d}' + 'x' * 32
    entry = lambda tag, i: f'{NS}/entries/fx-graph/{key(tag, i)}'
    for how in ('FIN', 'RST'):
        for name, content, sent, n in (('single part 1 MiB', small, 512 << 10, COUNT),
                                       ('streamed 6 MiB, in its head', streamed, 1 << 20, COUNT // 2),
                                       ('streamed 6 MiB', streamed, 5632 << 10, COUNT),
                                       ('multipart 12 MiB', multipart, 7 << 20, COUNT // 2)):
            # reservations last PT2CACHE_RESERVATION_TTL: each scenario declares its own
            paths = [declare(content) for _ in range(16)]
            run(f'{name} cut at {sent >> 10} KiB, {how}', n,
                lambda i: cut_upload(paths[i % 16], len(content), sent, how))
        digest = {'X-Content-SHA256': hashlib.sha256(small).hexdigest()}
        run(f'entry PUT 1 MiB with digest cut at 300 KiB, {how}', COUNT,
            lambda i: cut_upload(entry(how, i), 1 << 20, 300 << 10, how, digest))
        run(f'entry PUT chunked (spooled) cut at 600 KiB, {how}', COUNT,
            lambda i: cut_upload(entry(how + 'c', i), 0, 600 << 10, how, chunked=True))
    for size, read, n in ((128 << 10, 16 << 10, COUNT), (1 << 20, 64 << 10, COUNT),
                          (12 << 20, 1 << 20, COUNT), (12 << 20, 0, COUNT // 2)):
        for how in ('close', 'RST'):
            run(f'download {size >> 10} KiB cut at {read >> 10} KiB, {how}', n,
                lambda i: cut_download(ready[size], read, how))
    run('download 12 MiB, reader stops 15 s', COUNT // 5,
        lambda i: (cut_download(ready[12 << 20], 64 << 10, 'hold'), None)[1], workers=50)
    paths = [declare(small) for _ in range(16)]
    wrong = bytearray(small)
    wrong[100] ^= 1
    run('wrong sha256 (single part)', COUNT, lambda i: whole_upload(paths[i % 16], bytes(wrong)))
    for name, content, n in (('streamed', streamed, COUNT // 4), ('multipart', multipart, COUNT // 4)):
        mpaths, bad = [declare(content) for _ in range(16)], bytearray(content)
        bad[-5] ^= 1
        run(f'wrong sha256 ({name})', n, lambda i: whole_upload(mpaths[i % 16], bytes(bad)))
    run('fewer bytes than declared', COUNT, lambda i: whole_upload(paths[i % 16], small[:1000]))
    run('more bytes than declared', COUNT // 4, lambda i: whole_upload(paths[i % 16], small + b'!'))
    run('entry with a wrong X-Content-SHA256', COUNT,
        lambda i: whole_upload(entry('w', i), small[:4096], {'X-Content-SHA256': '0' * 64}))
    def oversize(i):
        s = connect('PUT', entry('o', i), {'Content-Type': 'application/octet-stream',
                                           'Content-Length': str(2 << 30)})
        try:
            s.sendall(DATA[:64 << 10])
            return status(s)
        finally:
            s.close()
    run('entry over the largest size', COUNT, oversize)
    run('no token', COUNT, lambda i: whole_upload(paths[i % 16], small, token=False))
    run('Content-Type text/plain', COUNT,
        lambda i: whole_upload(paths[i % 16], small[:4096], {'Content-Type': 'text/plain'}))
    run('declaration never uploaded', COUNT, lambda i: (declare(os.urandom(64)), 'declared')[1])

def stall(n):
    """Bodies and downloads that stop mid-way, held until the service ends them."""
    held, kinds = [], ((1 << 20, 300 << 10), (6 << 20, 5632 << 10), (12 << 20, 7 << 20))
    download = declare(DATA[19:19 + (12 << 20)])
    whole_upload(download, DATA[19:19 + (12 << 20)])
    for i in range(n):
        for size, sent in kinds:
            s = connect('PUT', declare(DATA[:size]), {'Content-Type': 'application/octet-stream',
                                                      'Content-Length': str(size)})
            s.sendall(DATA[:sent])
            held.append(s)
        s = connect('PUT', f'{NS}/entries/fx-graph/stall{random.getrandbits(40):x}{i:04d}' + 'x' * 30,
                    {'Content-Type': 'application/octet-stream', 'Transfer-Encoding': 'chunked'})
        s.sendall(b'%x\r\n' % (200 << 10) + DATA[:200 << 10] + b'\r\n')
        held.append(s)
    readers = [connect('GET', download, {}) for _ in range(n)]
    for r in readers:
        r.recv(1 << 16)
    time.sleep(20)
    print('  while stalled:', {k: v for k, v in snapshot().items()
                               if k.startswith(('spool', 'pt2cache', 'TCP: clients'))})
    answers = {}
    for s in held:
        s.settimeout(180)
        answer = status(s)
        answers[answer] = answers.get(answer, 0) + 1
        s.close()
    for r in readers:
        r.close()
    print(f'  stalled bodies answered: {answers}')

def settle(seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        time.sleep(10)
        now = snapshot()
        if now['pending artifact rows'] == before['pending artifact rows'] and \
                now['http.server.requests.active'] <= 1:
            break

if __name__ == '__main__':
    before = snapshot()
    print(f'service pid {PID}, S3 port {S3_PORT}, PostgreSQL port {PG_PORT}; driving:')
    drive()
    if STALLED:
        stall(STALLED)
    right_after = snapshot()
    print(f'waiting up to {WAIT} s for timeouts and a purge round')
    settle(WAIT)
    after = snapshot()
    print(f"\n| {'what the instance holds':45} | before | right after | after {WAIT} s |")
    print(f"| {'---':45} | ---: | ---: | ---: |")
    for k in before:
        print(f'| {k:45} | {before[k]} | {right_after[k]} | {after[k]} |')

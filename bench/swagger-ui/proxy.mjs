// A reverse proxy that serves the service under /compile-cache/ and strips that path, as an ingress would.
// node proxy.mjs [listenPort] [servicePort]
import http from 'node:http';
const [listen, upstream, prefix] = [Number(process.argv[2] || 8081), Number(process.argv[3] || 8080), '/compile-cache'];
http.createServer((req, res) => {
  if (!req.url.startsWith(prefix + '/') && req.url !== prefix) { res.writeHead(404); return res.end('not under ' + prefix); }
  const path = req.url.slice(prefix.length) || '/';
  const up = http.request({ host: '127.0.0.1', port: upstream, method: req.method, path, headers: req.headers }, (ur) => {
    res.writeHead(ur.statusCode, ur.headers); ur.pipe(res);
  });
  up.on('error', (e) => { res.writeHead(502); res.end(String(e)); });
  req.pipe(up);
}).listen(listen, '127.0.0.1', () => console.log('proxy on', listen));

#!/usr/bin/env node
// Subscribes to Pulse window results over the TCP event-bus bridge and prints N of them (Node.js, no packages).
// Usage: node tcp_client.mjs [host] [port] [count] [series-prefix]
// Frames: a 4-byte big-endian length, then UTF-8 JSON {type: "register"|"send"|"ping", address, body}.
import net from 'node:net';

const RESULTS = 'pulse.public.results';
const [host = '127.0.0.1', port = '7000', count = '10', prefix = ''] = process.argv.slice(2);
const wanted = Number(count);
let received = 0;
let buffer = Buffer.alloc(0);

function frame(obj) {
  const data = Buffer.from(JSON.stringify(obj), 'utf8');
  const header = Buffer.alloc(4);
  header.writeUInt32BE(data.length);
  return Buffer.concat([header, data]);
}

const socket = net.connect(Number(port), host, () => socket.write(frame({ type: 'register', address: RESULTS })));
socket.setTimeout(30000, () => { console.error('no results within 30 s'); process.exit(1); });
socket.on('error', err => { console.error('bridge connection failed: ' + err.message); process.exit(1); });
socket.on('data', chunk => {
  buffer = Buffer.concat([buffer, chunk]);
  while (buffer.length >= 4 && buffer.length >= 4 + buffer.readUInt32BE(0)) {
    const length = buffer.readUInt32BE(0);
    const msg = JSON.parse(buffer.subarray(4, 4 + length).toString('utf8'));
    buffer = buffer.subarray(4 + length);
    if (msg.type === 'err') { console.error('bridge error: ' + msg.message); process.exit(1); }
    if (msg.type !== 'message' || msg.address !== RESULTS || !msg.body.series.startsWith(prefix)) continue;
    const r = msg.body;
    received++;
    console.log(`${r.series} start=${r.start} count=${r.count} mean=${r.mean.toFixed(4)} last=${r.last.toFixed(4)} final=${r.final}`);
    if (received >= wanted) {
      console.log(`received ${received} results`);
      socket.end(frame({ type: 'unregister', address: RESULTS }));
      socket.destroy();
      return;
    }
  }
});

// The peer of Pulse's fan-out benchmark (io.pulse.bench.FanOutBench): a minimal broadcast server on the `ws`
// package, the stack most live dashboards are built on. Every 250 ms it sends one small message, shaped like a
// Pulse WebSocket result, to every connected client. The message carries its send time in "sentNanos" from the
// system's monotonic clock (process.hrtime, CLOCK_MONOTONIC, shared by every process on the machine), which the
// Java load client compares with its own System.nanoTime(): the same measurement as for Pulse.
// Usage: node fanout-peer.mjs PORT [INTERVAL_MS=250]; prints "listening PORT" once it accepts connections.
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2] ?? 0);
const intervalMs = Number(process.argv[3] ?? 250);
const wss = new WebSocketServer({ host: '127.0.0.1', port, backlog: 4096, perMessageDeflate: false });
wss.on('listening', () => console.log(`listening ${wss.address().port}`));
wss.on('error', (err) => {
  console.error(`fan-out peer: cannot listen on 127.0.0.1:${port}: ${err.message}`);
  process.exit(1);
});
// clients send a subscribe message as they would to Pulse; this server broadcasts to everyone regardless
wss.on('connection', (socket) => socket.on('error', () => socket.terminate()));

let id = 0;
setInterval(() => {
  id++;
  const start = Date.now() - (Date.now() % 250);
  const message = `{"type":"result","id":${id},"data":{"series":"bench.fanout","resolution":250,"start":${start},`
    + `"end":${start + 250},"count":10,"sum":1000.0,"min":99.0,"max":101.0,"mean":100.0,"first":100.0,"last":100.5,`
    + `"final":true,"seq":${id},"sentNanos":${process.hrtime.bigint()},"published":${Date.now()}}}`;
  for (const client of wss.clients) {
    if (client.readyState === 1) {
      client.send(message);
    }
  }
}, intervalMs);

process.on('SIGTERM', () => process.exit(0));

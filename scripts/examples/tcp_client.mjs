#!/usr/bin/env node
// Talks to Pulse over the TCP event-bus bridge (Node.js, no packages): prints N window results and, optionally,
// sends samples of its own series every 100 ms, so the results it prints can be its own samples aggregated.
// Usage: node tcp_client.mjs [host] [port] [count] [series-prefix] [sample-series]
// Environment: PULSE_TOKEN, a JWT, put in every frame's headers when the gateway requires one (gateway.auth.jwt-secret).
// Frames: a 4-byte big-endian length, then UTF-8 JSON {type: "register"|"send"|"ping", address, body, replyAddress?,
// headers?}. Samples (one object or an array) go to pulse.ingest.raw; with a replyAddress the gateway answers
// {accepted, rejected, errors}.
import net from 'node:net';

const RESULTS = 'pulse.public.results';
const INGEST = 'pulse.ingest.raw';
const ACKS = 'example-acks'; // any name: the bridge sends the reply back to this socket under it
const [host = '127.0.0.1', port = '7000', count = '10', prefix = '', sampleSeries = ''] = process.argv.slice(2);
const wanted = Number(count);
const token = process.env.PULSE_TOKEN;
let received = 0;
let sent = 0;
let accepted = 0;
let rejected = 0;
let sender = null;
let done = false;
let buffer = Buffer.alloc(0);

function frame(obj) {
  if (token) obj.headers = { Authorization: 'Bearer ' + token };
  const data = Buffer.from(JSON.stringify(obj), 'utf8');
  const header = Buffer.alloc(4);
  header.writeUInt32BE(data.length);
  return Buffer.concat([header, data]);
}

function sendSample() {
  const value = Math.round((20 + 5 * Math.sin(sent / 10)) * 1e4) / 1e4;
  socket.write(frame({ type: 'send', address: INGEST, replyAddress: ACKS,
    body: { series: sampleSeries, timestamp: Date.now(), value } }));
  sent++;
}

const socket = net.connect(Number(port), host, () => {
  socket.write(frame({ type: 'register', address: RESULTS }));
  if (sampleSeries) sender = setInterval(sendSample, 100);
});
const giveUp = setTimeout(() => { console.error(`only ${received} of ${wanted} results within 60 s`); process.exit(1); }, 60000);
socket.on('error', err => { console.error('bridge connection failed: ' + err.message); process.exit(1); });
socket.on('data', chunk => {
  if (done) return;
  buffer = Buffer.concat([buffer, chunk]);
  while (buffer.length >= 4 && buffer.length >= 4 + buffer.readUInt32BE(0)) {
    const length = buffer.readUInt32BE(0);
    const msg = JSON.parse(buffer.subarray(4, 4 + length).toString('utf8'));
    buffer = buffer.subarray(4 + length);
    if (msg.type === 'err') { console.error('bridge error: ' + msg.message); process.exit(1); }
    if (msg.address === ACKS) {
      accepted += msg.body.accepted ?? 0;
      rejected += msg.body.rejected ?? 0;
      for (const e of msg.body.errors ?? []) console.error(`sample refused: ${e.reason}: ${e.detail}`);
      continue;
    }
    if (msg.type !== 'message' || msg.address !== RESULTS || !msg.body.series.startsWith(prefix)) continue;
    const r = msg.body;
    received++;
    console.log(`${r.series} start=${r.start} count=${r.count} mean=${r.mean.toFixed(4)} last=${r.last.toFixed(4)} final=${r.final}`);
    if (received >= wanted) {
      done = true;
      clearInterval(sender);
      clearTimeout(giveUp);
      if (sampleSeries) {
        console.log(`sent ${sent} samples of ${sampleSeries}: ${accepted} accepted, ${rejected} rejected (acknowledged so far)`);
      }
      console.log(`received ${received} results`);
      socket.end(frame({ type: 'unregister', address: RESULTS }));
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
  }
});

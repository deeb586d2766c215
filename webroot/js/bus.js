// The connection to the gateway's SockJS event-bus bridge, with jittered exponential backoff.
/* global EventBus */
export const RESULTS = 'pulse.public.results';
export const ALERTS = 'pulse.public.alerts';
export const HISTORY_QUERY = 'pulse.history.query';

export class Connection {
  /**
   * @param handlers {onState(state), onResult(r), onAlert(a), onOpen(reconnect: boolean, downSince: number|null)}
   */
  constructor(url, handlers) {
    this.url = url;
    this.handlers = handlers;
    this.retryDelay = 500;
    this.opened = 0;
    this.downSince = null;
    this.bus = null;
  }

  start() {
    this.handlers.onState('connecting');
    const eb = new EventBus(this.url);
    this.bus = eb;
    eb.enableReconnect(false);
    eb.onopen = () => {
      this.retryDelay = 500;
      const reconnect = this.opened > 0;
      this.opened++;
      this.handlers.onState('connected');
      eb.registerHandler(RESULTS, (err, msg) => { if (!err) this.handlers.onResult(msg.body); });
      eb.registerHandler(ALERTS, (err, msg) => { if (!err) this.handlers.onAlert(msg.body); });
      this.handlers.onOpen(reconnect, this.downSince);
      this.downSince = null;
    };
    eb.onerror = () => {};
    eb.onclose = () => {
      if (this.downSince === null) this.downSince = Date.now();
      this.handlers.onState('disconnected');
      // full jitter, capped: many dashboards reconnecting after a restart do not arrive together
      const delay = 200 + Math.random() * this.retryDelay;
      this.retryDelay = Math.min(this.retryDelay * 2, 10000);
      setTimeout(() => this.start(), delay);
    };
  }
}

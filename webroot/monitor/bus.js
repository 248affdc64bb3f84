// A tiny client of the Vert.x SockJS event-bus bridge: register, receive, ping, reconnect.
// Only what the monitor needs; the chat app has its own client.
(function () {
  'use strict';

  function MonitorBus(url, options) {
    this.url = url;
    this.handlers = {};
    this.onstate = (options && options.onstate) || function () {};
    this.onerror = (options && options.onerror) || function () {};
    this.retry = 500;
    this.open();
  }

  MonitorBus.prototype.open = function () {
    var self = this;
    var sock = new SockJS(this.url);
    this.sock = sock;
    sock.onopen = function () {
      self.retry = 500;
      Object.keys(self.handlers).forEach(function (address) { self.write({ type: 'register', address: address }); });
      self.pinger = setInterval(function () { self.write({ type: 'ping' }); }, 5000);
      self.onstate('open');
    };
    sock.onmessage = function (e) {
      var frame = JSON.parse(e.data);
      if (frame.type === 'err') {
        self.onerror(frame.body);
        return;
      }
      var list = self.handlers[frame.address] || [];
      list.forEach(function (handler) { handler(frame.body, frame); });
    };
    sock.onclose = function (e) {
      clearInterval(self.pinger);
      // 1001 "going away": the node drains; reconnecting lands on another node.
      self.onstate('closed', e.code);
      setTimeout(function () { self.open(); }, self.retry);
      self.retry = Math.min(self.retry * 2, 8000);
    };
  };

  MonitorBus.prototype.write = function (frame) {
    if (this.sock && this.sock.readyState === 1) {
      this.sock.send(JSON.stringify(frame));
    }
  };

  MonitorBus.prototype.register = function (address, handler) {
    var first = !this.handlers[address];
    (this.handlers[address] = this.handlers[address] || []).push(handler);
    if (first) {
      this.write({ type: 'register', address: address });
    }
  };

  window.MonitorBus = MonitorBus;
})();

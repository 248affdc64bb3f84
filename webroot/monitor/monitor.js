// The live monitor: every node publishes a monitor.stats snapshot each second; a node without a
// snapshot for STALE_MS has left (stopped, crashed or cut off) and disappears from the page.
// It uses the chat app's event-bus client and contract (served under /js/ to everyone; the
// monitor's own files under /monitor/ are for admins only).
import { sparkline } from "./charts.js";
import { Addresses } from "/js/contract.js";
import { EventBus } from "/js/eventbus.js";

var STALE_MS = 3000;
var HISTORY = 60;
var nodes = {};
var order = [];

var $ = function (id) { return document.getElementById(id); };

function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) { e.className = cls; }
  if (text !== undefined) { e.textContent = text; }
  return e;
}

function short(id) { return String(id).slice(0, 8); }

function fmtBytes(n) { return n == null || n < 0 ? '–' : (n / 1048576).toFixed(0) + ' MB'; }

function fmtMs(n) { return n == null ? '–' : (n < 10 ? n.toFixed(2) : n.toFixed(0)) + ' ms'; }

function fmtUptime(s) {
  if (s < 120) { return s + ' s'; }
  if (s < 7200) { return Math.floor(s / 60) + ' min'; }
  return (s / 3600).toFixed(1) + ' h';
}

function channelRate(snapshot) {
  var r = snapshot.rates && snapshot.rates['chat.channel.*'];
  return r ? r.published : 0;
}

function log(text) {
  var li = el('li', null, new Date().toLocaleTimeString() + '  ' + text);
  var list = $('events');
  list.insertBefore(li, list.firstChild);
  while (list.children.length > 30) { list.removeChild(list.lastChild); }
}

function push(list, value) {
  list.push(value);
  if (list.length > HISTORY) { list.shift(); }
}

function onSnapshot(s) {
  var n = nodes[s.node];
  if (!n) {
    n = nodes[s.node] = { history: { sockets: [], rate: [], loop: [], ping: [] } };
    order.push(s.node);
    log('node ' + short(s.node) + ' joined');
  }
  if (s.draining && !(n.last && n.last.draining)) {
    log('node ' + short(s.node) + ' is draining');
  }
  n.last = s;
  n.seenAt = Date.now();
  push(n.history.sockets, s.sockets);
  push(n.history.rate, channelRate(s));
  push(n.history.loop, s.eventLoopDelayMs || 0);
  push(n.history.ping, (s.pg && s.pg.pingMs) || 0);
}

function expire() {
  var now = Date.now();
  order = order.filter(function (id) {
    if (now - nodes[id].seenAt > STALE_MS) {
      log('node ' + short(id) + ' left (no snapshot for ' + (STALE_MS / 1000) + ' s)');
      delete nodes[id];
      return false;
    }
    return true;
  });
}

function figure(label, value) {
  var d = el('div', 'kv');
  d.appendChild(el('span', 'k', label));
  d.appendChild(el('span', 'v', value));
  return d;
}

function chart(label, values, floor) {
  var d = el('div', 'chart');
  d.appendChild(el('span', 'k', label));
  d.appendChild(sparkline(values, { floor: floor }));
  return d;
}

function card(id) {
  var n = nodes[id];
  var s = n.last;
  var c = el('article', 'node' + (s.draining ? ' draining' : ''));
  c.setAttribute('data-node', id);
  var h = el('h3', null, short(id));
  h.title = id;
  if (s.draining) { h.appendChild(el('span', 'badge', 'draining')); }
  if (s.pg && s.pg.error) { h.appendChild(el('span', 'badge bad', 'PostgreSQL down')); }
  c.appendChild(h);
  var grid = el('div', 'grid');
  grid.appendChild(figure('uptime', fmtUptime(s.uptime)));
  grid.appendChild(figure('sockets', String(s.sockets)));
  grid.appendChild(figure('channels', String(s.channels)));
  grid.appendChild(figure('events/s', String(channelRate(s))));
  grid.appendChild(figure('loop delay', fmtMs(s.eventLoopDelayMs)));
  grid.appendChild(figure('heap', fmtBytes(s.heap.used) + ' / ' + fmtBytes(s.heap.max)));
  grid.appendChild(figure('PG ping', fmtMs(s.pg.pingMs)));
  grid.appendChild(figure('PG pool', (s.pg.poolInUse || 0) + ' busy, ' + (s.pg.poolWaiting || 0) + ' waiting'));
  grid.appendChild(figure('store p99', fmtMs(s.pg.storeP99Ms)));
  grid.appendChild(figure('stored', String(s.messagesStored)));
  grid.appendChild(figure('last trim', s.lastTrim
    ? new Date(s.lastTrim.at).toLocaleTimeString() + (s.lastTrim.ran ? ', ' + s.lastTrim.deleted + ' rows' : ', skipped')
    : 'not yet'));
  c.appendChild(grid);
  var charts = el('div', 'charts');
  charts.appendChild(chart('sockets', n.history.sockets, 1));
  charts.appendChild(chart('events/s', n.history.rate, 1));
  charts.appendChild(chart('loop delay ms', n.history.loop, 1));
  charts.appendChild(chart('PG ping ms', n.history.ping, 1));
  c.appendChild(charts);
  if (s.topChannels && s.topChannels.length) {
    var top = el('p', 'top');
    top.textContent = 'busiest: ' + s.topChannels.map(function (t) { return '#' + t.name + ' (' + t.subscribers + ')'; }).join(', ');
    c.appendChild(top);
  }
  return c;
}

function render() {
  expire();
  var box = $('nodes');
  box.textContent = '';
  if (!order.length) {
    box.appendChild(el('p', 'empty', 'No node is publishing monitor.stats right now.'));
  }
  var sockets = 0, channels = 0, rate = 0, stored = 0, addresses = {};
  order.forEach(function (id) {
    var s = nodes[id].last;
    box.appendChild(card(id));
    sockets += s.sockets;
    channels += s.channels;
    rate += channelRate(s);
    stored += s.messagesStored;
    Object.keys(s.rates || {}).forEach(function (a) {
      var sum = addresses[a] = addresses[a] || { published: 0, received: 0, delivered: 0, pending: 0 };
      var r = s.rates[a];
      sum.published += r.published; sum.received += r.received; sum.delivered += r.delivered; sum.pending += r.pending;
    });
  });
  $('sum-nodes').textContent = order.length;
  $('sum-sockets').textContent = sockets;
  $('sum-channels').textContent = channels;
  $('sum-rate').textContent = rate.toFixed(1);
  $('sum-stored').textContent = stored;
  var body = document.querySelector('#addresses tbody');
  body.textContent = '';
  Object.keys(addresses).sort().forEach(function (a) {
    var r = addresses[a];
    if (!r.published && !r.received && !r.delivered && !r.pending) {
      return; // idle this second
    }
    var tr = el('tr');
    tr.appendChild(el('td', 'addr', a));
    [r.published, r.received, r.delivered, r.pending].forEach(function (v) {
      tr.appendChild(el('td', 'num', String(Math.round(v * 10) / 10)));
    });
    body.appendChild(tr);
  });
}

var link = $('link');
var closeCode = null;
var bus = new EventBus('/eventbus', {
  onState: function (state) {
    if (state === 'connected') {
      closeCode = null;
    }
    link.className = 'link ' + (state === 'connected' ? 'on' : 'off');
    link.textContent = state === 'connected' ? 'live'
      : state === 'connecting' ? 'connecting…'
      : 'reconnecting' + (closeCode ? ' (' + closeCode + ')' : '') + '…';
  },
  onClose: function (e) {
    // BridgeCodes.GOING_AWAY: the node drains; reconnecting lands on another node.
    closeCode = e.code;
  },
  onAccessDenied: function (frame) {
    link.className = 'link off';
    link.textContent = 'refused: ' + frame.body + ' (admins only)';
  }
});
bus.subscribe(Addresses.MONITOR_STATS, onSnapshot);
bus.open();
setInterval(render, 500);

// Small SVG sparklines, no library.
var NS = 'http://www.w3.org/2000/svg';

export function sparkline(values, options) {
  var width = (options && options.width) || 160;
  var height = (options && options.height) || 36;
  var svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
  svg.setAttribute('width', width);
  svg.setAttribute('height', height);
  svg.setAttribute('class', 'spark');
  if (values.length < 2) {
    return svg;
  }
  var max = Math.max.apply(null, values.concat([(options && options.floor) || 1e-9]));
  var step = width / (values.length - 1);
  var points = values.map(function (v, i) {
    return (i * step).toFixed(1) + ',' + (height - 2 - (v / max) * (height - 4)).toFixed(1);
  });
  var area = document.createElementNS(NS, 'polygon');
  area.setAttribute('points', '0,' + height + ' ' + points.join(' ') + ' ' + width + ',' + height);
  area.setAttribute('class', 'area');
  var line = document.createElementNS(NS, 'polyline');
  line.setAttribute('points', points.join(' '));
  line.setAttribute('class', 'line');
  svg.appendChild(area);
  svg.appendChild(line);
  return svg;
}

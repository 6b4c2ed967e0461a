// The dashboard: reads /api/status and /api/alerts every few seconds and redraws. No framework, no build step,
// no network beyond this host. Text is always set through textContent, never parsed as HTML.
"use strict";

const refreshMs = 2000;

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child ?? "")));
  return node;
}

function cell(field, value, numeric) {
  return el("td", { "data-field": field, class: numeric ? "num" : undefined }, value ?? "–");
}

function fixed(value, digits) {
  return value === null || value === undefined ? "–" : Number(value).toFixed(digits);
}

// A small time series as an inline SVG polyline, scaled to its own maximum.
function sparkline(series) {
  const width = 180, height = 28, max = Math.max(1, ...series);
  const step = series.length > 1 ? width / (series.length - 1) : width;
  const points = series.map((value, index) => `${(index * step).toFixed(1)},${(height - 2 - (value / max) * (height - 4)).toFixed(1)}`);
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "spark");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("data-chart", "throughput");
  svg.setAttribute("data-points", series.join(","));
  const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
  line.setAttribute("points", points.join(" "));
  svg.append(line);
  return svg;
}

function fill(tableId, rows) {
  document.querySelector(`#${tableId} tbody`).replaceChildren(...rows);
}

function renderStages(stages) {
  fill("stages", stages.map(stage => el("tr", { "data-stage": stage.stage, "data-group": stage.group_id },
    el("td", { "data-field": "stage", title: stage.group_id }, stage.stage),
    el("td", { "data-field": "state", class: stage.state }, stage.state),
    cell("throughput", fixed(stage.throughput_per_second, 2), true),
    cell("consumed", stage.consumed, true),
    cell("handled", stage.handled, true),
    cell("failed", stage.failed, true),
    cell("retried", stage.retried, true),
    cell("dead_lettered", stage.dead_lettered, true),
    el("td", { title: `per ${stage.bucket_seconds} s` }, sparkline(stage.series)))));
}

function renderLag(lag) {
  fill("lag", lag.map(group => el("tr", { "data-lag-group": group.group_id },
    el("td", {}, group.group_id),
    cell("total_lag", group.total_lag, true),
    el("td", { "data-field": "partitions" }, group.error
      ? `error: ${group.error}`
      : group.partitions.map(p => `${p.topic}[${p.partition}] ${p.lag}`).join(", ")))));
}

function renderModels(models, predictions) {
  const byModel = Object.fromEntries(predictions.map(p => [p.model, p]));
  const names = [...new Set([...models.map(m => m.model), ...predictions.map(p => p.model)])].sort();
  fill("models", names.map(name => {
    const model = models.find(m => m.model === name) || {};
    const served = byModel[name] || {};
    return el("tr", { "data-model": name },
      el("td", {}, name),
      cell("version", model.current_version, true),
      cell("r_squared", fixed(model.r_squared, 4), true),
      cell("rmse", fixed(model.root_mean_squared_error, 4), true),
      cell("mae", fixed(model.mean_absolute_error, 4), true),
      el("td", { "data-field": "last_event", class: model.last_failure ? "bad" : undefined, title: model.last_failure || "" }, model.last_event || "–"),
      cell("predictions", served.total ?? 0, true),
      cell("latency_p95_ms", fixed(served.latency_p95_ms, 1), true));
  }));
}

function renderDrift(drift, threshold) {
  fill("drift", drift.map(feature => {
    const psi = feature.psi;
    const over = psi !== null && psi > threshold;
    return el("tr", { "data-drift": `${feature.model}/${feature.feature}` },
      el("td", {}, feature.model),
      el("td", {}, feature.feature),
      el("td", {}, feature.kind),
      el("td", { "data-field": "psi", class: over ? "num bad" : "num" }, psi === null ? "–" : psi.toFixed(4)),
      cell("samples", feature.samples, true),
      el("td", {}, el("span", { class: over ? "bar over" : "bar", style: `width:${Math.min(120, Math.round((psi || 0) * 200))}px` })));
  }));
}

function renderAlerts(alerts) {
  const list = document.getElementById("alerts");
  const items = alerts.recent.slice(0, 20).map(alert => el("li", {
      "data-alert-id": alert.alert_id, "data-rule": alert.rule, "data-status": alert.status, class: alert.status === "resolved" ? "resolved" : alert.severity },
    `${alert.at.substring(11, 19)} ${alert.status.toUpperCase()} [${alert.severity}] ${alert.rule}: ${alert.message}`));
  list.replaceChildren(...(items.length ? items : [el("li", { class: "muted" }, "No alerts")]));
  list.setAttribute("data-open", String(alerts.open.length));
}

async function refresh() {
  const error = document.getElementById("error");
  try {
    const [status, alerts] = await Promise.all(["/api/status", "/api/alerts"].map(async url => {
      const response = await fetch(url, { cache: "no-store" });
      // Every API error is an RFC 7807 problem: show its detail sentence when there is one.
      if (!response.ok) {
        const problem = await response.json().catch(() => null);
        throw new Error(`${url}: HTTP ${response.status}${problem && problem.detail ? ` - ${problem.detail}` : ""}`);
      }
      return response.json();
    }));
    const health = document.getElementById("health");
    health.textContent = status.healthy ? "healthy" : "unhealthy";
    health.className = `badge ${status.healthy ? "ok" : "bad"}`;
    health.setAttribute("data-value", String(status.healthy));
    renderStages(status.stages);
    renderLag(status.lag);
    renderModels(status.models, status.predictions);
    renderDrift(status.drift, status.drift_threshold);
    renderAlerts(alerts);
    const updated = document.getElementById("updated");
    updated.textContent = new Date().toLocaleTimeString();
    error.hidden = true;
    document.body.setAttribute("data-loaded", "true");
  } catch (failure) {
    error.textContent = String(failure.message || failure);
    error.hidden = false;
  } finally {
    setTimeout(refresh, refreshMs);
  }
}

refresh();

"use strict";
// The FHIR interface's row on the staff page (issue 14): schedule pulled in, arrivals
// written out. Served by the FHIR module as a file of its own; it only fills #fhir-section.
(() => {
  const section = document.getElementById("fhir-section");
  const row = document.getElementById("fhir");
  if (!section || !row) return;

  function chip(text, kind) {
    const span = document.createElement("span");
    span.className = kind ? `chip ${kind}` : "chip";
    span.textContent = text;
    return span;
  }

  function minutesSince(ts) {
    return Math.max(0, Math.floor((Date.now() - new Date(ts)) / 60000));
  }

  function line(key, label, chips) {
    const div = document.createElement("div");
    div.className = "kiosk";
    div.dataset.fhir = key;
    const name = document.createElement("strong");
    name.textContent = label;
    div.append(name, ...chips);
    return div;
  }

  function render(s) {
    section.hidden = !s.enabled;
    row.replaceChildren();
    if (!s.enabled) return;
    const p = s.pull;
    if (p.every_secs > 0) {
      const chips = [];
      if (p.last_pulled_at) {
        const late = minutesSince(p.last_pulled_at) * 60 > 3 * p.every_secs;
        chips.push(chip(`${p.appointments} appointments, ${minutesSince(p.last_pulled_at)} min ago`, late ? "bad" : "ok"));
      } else {
        chips.push(chip("Not pulled yet", "warn"));
      }
      if (p.last_error) chips.push(chip(`Last pull failed: ${p.last_error}`, "bad"));
      row.append(line("in", "Schedule in", chips));
    }
    const o = s.outbound;
    const chips = [s.reachable ? chip("Reachable", "ok") : chip("Not reachable", "bad")];
    if (o.waiting > 0) {
      const late = o.oldest_waiting && minutesSince(o.oldest_waiting) >= 5;
      const oldest = o.oldest_waiting ? `, oldest ${minutesSince(o.oldest_waiting)} min` : "";
      chips.push(chip(`${o.waiting} waiting${oldest}`, late ? "bad" : "warn"));
    } else {
      chips.push(chip("Nothing waiting", "ok"));
    }
    if (o.failed > 0) chips.push(chip(`${o.failed} refused by the EHR`, "bad"));
    if (o.last_error) chips.push(chip(`Last problem: ${o.last_error}`, "bad"));
    row.append(line("out", "Arrivals out", chips));
  }

  async function load() {
    try {
      const res = await fetch("/api/staff/v1/fhir", { cache: "no-store" });
      if (res.ok) render(await res.json());
    } catch (_) {
      // The queue's own "Reconnecting…" says the office is unreachable.
    }
  }

  document.addEventListener("queue-loaded", load);
  setInterval(load, 10000);
  load();
})();

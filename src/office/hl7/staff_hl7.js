"use strict";
// The EHR interface's row on the staff page (issue 14): schedule in, arrivals out.
// Served by the HL7 module as a file of its own; it only fills #hl7-section.
(() => {
  const section = document.getElementById("hl7-section");
  const row = document.getElementById("hl7");
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
    div.dataset.hl7 = key;
    const name = document.createElement("strong");
    name.textContent = label;
    div.append(name, ...chips);
    return div;
  }

  function render(s) {
    section.hidden = !s.enabled;
    row.replaceChildren();
    if (s.inbound.listening) {
      const chips = [chip("Listening", "ok"), chip(`${s.inbound.accepted} stored`)];
      if (s.inbound.refused > 0) chips.push(chip(`${s.inbound.refused} refused`, "warn"));
      if (s.inbound.last_error) chips.push(chip(`Last refused: ${s.inbound.last_error}`, "warn"));
      row.append(line("in", "Schedule in", chips));
    }
    if (s.outbound.peer) {
      const o = s.outbound;
      const chips = [o.connected ? chip("Connected", "ok") : chip("Not connected", "bad")];
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
  }

  async function load() {
    try {
      const res = await fetch("/api/staff/v1/hl7", { cache: "no-store" });
      if (res.ok) render(await res.json());
    } catch (_) {
      // The queue's own "Reconnecting…" says the office is unreachable.
    }
  }

  document.addEventListener("queue-loaded", load);
  setInterval(load, 10000);
  load();
})();

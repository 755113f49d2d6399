"use strict";
// Appointment reminders on the staff page (issue 16): each upcoming visit's reminders
// and what became of them, and the opt-out toggle. Served by the reminders module as a
// file of its own; it only fills #reminders-section.
(() => {
  const section = document.getElementById("reminders-section");
  const body = document.getElementById("reminders");
  if (!section || !body) return;

  const KIND = { days_before: "Days before", morning: "Morning" };
  const STATE = {
    pending: ["Waiting", ""],
    sent: ["Sent", "ok"],
    bounced: ["Bounced", "bad"],
    failed: ["Failed", "bad"],
    opted_out: ["Opted out", "warn"],
    skipped: ["Not sent", ""],
  };

  function cell(...children) {
    const td = document.createElement("td");
    td.append(...children);
    return td;
  }

  function chip(r, optedOut) {
    // A waiting reminder of an opted-out patient will not go: say so now.
    const shown = r.state === "pending" && optedOut ? "opted_out" : r.state;
    const [label, kind] = STATE[shown] || [shown, ""];
    const span = document.createElement("span");
    span.className = kind ? `chip ${kind}` : "chip";
    span.dataset.kind = r.kind;
    span.dataset.state = r.state;
    let text = `${KIND[r.kind] || r.kind}: ${label}`;
    if (r.state === "pending" && r.attempts > 0) text += ` (try ${r.attempts + 1})`;
    if (r.last_error && r.state !== "sent") text += ` (${r.last_error})`;
    span.textContent = text;
    return span;
  }

  // By which channel the patient's reminders go, and whether what it needs is on file.
  function channel(a) {
    const language = a.language === "spanish" ? "Spanish" : "English";
    const span = document.createElement("span");
    span.dataset.channel = a.channel;
    if (a.channel === "none") {
      span.textContent = "no reminders wanted";
    } else if (a.by_letter) {
      span.dataset.channel = "letter";
      span.textContent = a.has_address ? `Letter (${language})` : "Letter: no address on file";
    } else if (a.channel === "sms") {
      span.textContent = a.has_phone ? `Text (${language})` : "Text: no phone on file";
    } else {
      span.textContent = a.has_email ? `Email (${language})` : "Email: none on file";
    }
    return span;
  }

  function toggle(a) {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = a.opted_out;
    box.setAttribute("aria-label", `Opt ${a.patient} out of reminders`);
    box.addEventListener("change", async () => {
      box.disabled = true;
      const res = await fetch(`/api/staff/v1/appointments/${a.appointment}/reminders/opt-out`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ opted_out: box.checked }),
      });
      if (!res.ok) {
        box.checked = !box.checked;
        alert("Could not change the opt-out. Please try again.");
      }
      box.disabled = false;
      load();
    });
    label.append(box, " Opted out");
    return label;
  }

  // The letters download: the day defaults to the visits whose first reminder goes
  // today; the count is of the letters shown here for the day chosen.
  const lettersDay = document.getElementById("letters-day");
  const lettersCount = document.getElementById("letters-count");
  let lastView = null;
  function countLetters() {
    if (!lastView || !lettersDay || !lettersCount) return;
    const n = lastView.appointments.filter(
      (a) => a.day === lettersDay.value && a.by_letter && a.has_address && !a.opted_out,
    ).length;
    lettersCount.textContent = n === 1 ? "1 letter" : `${n} letters`;
  }
  if (lettersDay) lettersDay.addEventListener("change", countLetters);

  function render(view) {
    section.hidden = !view.enabled;
    lastView = view;
    if (lettersDay && !lettersDay.value) lettersDay.value = view.to;
    countLetters();
    const rows = view.appointments.map((a) => {
      const tr = document.createElement("tr");
      tr.dataset.appointment = a.appointment;
      const chips = a.reminders.map((r) => chip(r, a.opted_out));
      const none = a.reminders.length === 0 ? ["none queued"] : [];
      tr.append(
        cell(`${a.day} ${a.starts_at}`),
        cell(a.patient),
        cell(channel(a)),
        cell(...chips, ...none),
        cell(toggle(a)),
      );
      return tr;
    });
    body.replaceChildren(...rows);
    document.getElementById("reminders-count").textContent = `(${rows.length})`;
  }

  async function load() {
    try {
      const res = await fetch("/api/staff/v1/reminders", { cache: "no-store" });
      if (res.ok) render(await res.json());
    } catch (_) {
      // The queue's own "Reconnecting…" says the office is unreachable.
    }
  }

  document.addEventListener("queue-loaded", load);
  setInterval(load, 10000);
  load();
})();

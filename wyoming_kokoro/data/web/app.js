// The audition page: voices from v1/audio/voices, speech streamed from api/speech into the audio element (it
// plays while the rest is made), and what the text becomes from api/phonemes. No build step, no CDN. Every path
// is relative to the page, so that it works where a proxy serves it under a prefix (Home Assistant's ingress).
"use strict";
const $ = (id) => document.getElementById(id);
let voices = [];
let defaultVoice = "af_heart";
const GENDERS = { female: "Female", male: "Male", null: "Other" };

function key() { return $("key").value || localStorage.getItem("kokoro-key") || ""; }

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (key()) headers["Authorization"] = "Bearer " + key();
  const response = await fetch(path, Object.assign({}, options, { headers }));
  if (response.status === 401) { $("key-row").hidden = false; }
  if (!response.ok) {
    let message = response.statusText;
    try { message = (await response.json()).error.message; } catch (e) { /* not JSON */ }
    throw new Error(message);
  }
  return response.json();
}

function say(text, error = false) {
  $("status").textContent = text;
  $("status").className = error ? "error" : "";
}

function fillLanguages() {
  const languages = [...new Set(voices.map((v) => v.language))].sort();
  const start = (voices.find((v) => v.id === defaultVoice) || voices[0]).language;
  const name = (code) => (voices.find((v) => v.language === code).language_name || code) + " (" + code + ")";
  $("language").replaceChildren(...languages.map((code) => new Option(name(code), code, false, code === start)));
  fillVoices();
}

function fillVoices() {
  const language = $("language").value;
  const groups = {};
  for (const v of voices.filter((v) => v.language === language)) {
    (groups[v.gender] = groups[v.gender] || []).push(v);
  }
  const make = (select, blank) => {
    const children = blank ? [new Option("(no blend)", "")] : [];
    for (const [gender, list] of Object.entries(groups)) {
      const group = document.createElement("optgroup");
      group.label = GENDERS[gender] || gender;
      for (const v of list) group.append(new Option(v.id + " — " + v.description, v.id, false, v.id === defaultVoice));
      children.push(group);
    }
    select.replaceChildren(...children);
  };
  make($("voice"), false);
  make($("voice2"), true);
  describe();
}

function describe() {
  const v = voices.find((v) => v.id === $("voice").value);
  $("voice-description").textContent = v ? v.description : "";
}

function voiceSpec() {
  const first = $("voice").value, second = $("voice2").value;
  if (!second || second === first) return first;
  const share = Number($("mix").value) / 100;
  return `${first}:${(1 - share).toFixed(2)},${second}:${share.toFixed(2)}`;
}

async function showPhonemes(text, language) {
  try {
    const result = await api("api/phonemes", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ input: text, language }),
    });
    $("normalized").textContent = "Spoken as: " + result.normalized;
    const rows = result.words.filter((w) => w.source !== "punctuation").map((w) => {
      const row = document.createElement("tr");
      const pick = document.createElement("button");  // a button: reachable by keyboard
      pick.type = "button";
      pick.className = "pick";
      pick.textContent = w.text;
      pick.setAttribute("aria-label", "Try another pronunciation of " + w.text);
      pick.addEventListener("click", () => {
        $("try-word").value = w.text;
        $("try-phonemes").value = w.phonemes;
        $("try-phonemes").focus();
      });
      const first = document.createElement("td");
      first.append(pick);
      row.append(first);
      for (const [value, cls] of [[w.phonemes, "ipa"], [w.source, ""]]) {
        const cell = document.createElement("td");
        cell.textContent = value;
        if (cls) cell.className = cls;
        row.append(cell);
      }
      return row;
    });
    $("words").tBodies[0].replaceChildren(...rows);
    $("words").hidden = rows.length === 0;
  } catch (err) {
    $("normalized").textContent = "Phonemes: " + err.message;
  }
}

async function speak(event) {
  event.preventDefault();
  const text = $("text").value.trim();
  if (!text) { say("Type a text first.", true); $("text").focus(); return; }
  if ($("key").value) localStorage.setItem("kokoro-key", $("key").value);
  const params = new URLSearchParams({
    input: text, voice: voiceSpec(), language: $("language").value, speed: $("speed").value,
    response_format: "mp3",
  });
  if (key()) params.set("key", key());
  say("Speaking…");
  const player = $("player");
  player.src = "api/speech?" + params.toString();
  try {
    await player.play();
  } catch (err) {
    // the element cannot say why: ask the server once more for the error
    try { await api("api/speech?" + params.toString()); } catch (e) { say(e.message, true); return; }
    say("The browser would not play: " + err.message, true);
  }
  showPhonemes(text, $("language").value);
}

async function loadVoices() {
  try {
    const listing = await api("v1/audio/voices");
    voices = listing.data;
    defaultVoice = listing.default;
    fillLanguages();
    say("");
  } catch (err) {
    say("Could not list the voices: " + err.message, true);
  }
}

async function tryEntry(event) {
  event.preventDefault();
  const headers = { "Content-Type": "application/json" };
  if (key()) headers["Authorization"] = "Bearer " + key();
  const body = {
    word: $("try-word").value.trim(), phonemes: $("try-phonemes").value.trim(), input: $("text").value.trim(),
    voice: voiceSpec(), language: $("language").value, speed: Number($("speed").value),
  };
  say("Trying the pronunciation…");
  const response = await fetch("api/lexicon", { method: "POST", headers, body: JSON.stringify(body) });
  if (!response.ok) {
    let message = response.statusText;
    try { message = (await response.json()).error.message; } catch (e) { /* not JSON */ }
    say(message, true);
    return;
  }
  $("try-said").textContent = "Said as: " + decodeURIComponent(response.headers.get("X-Phonemes") || "");
  const player = $("player");
  player.src = URL.createObjectURL(await response.blob());
  await player.play().catch((err) => say("The browser would not play: " + err.message, true));
}

async function start() {
  $("speed").addEventListener("input", () => { $("speed-value").textContent = Number($("speed").value).toFixed(2); });
  $("mix").addEventListener("input", () => { $("mix-value").textContent = $("mix").value + " %"; });
  $("language").addEventListener("change", fillVoices);
  $("voice").addEventListener("change", describe);
  $("form").addEventListener("submit", speak);
  $("try-form").addEventListener("submit", tryEntry);
  $("player").addEventListener("ended", () => say("Done."));
  $("player").addEventListener("error", () => say("The audio could not be played.", true));
  $("key").addEventListener("change", () => { localStorage.setItem("kokoro-key", $("key").value); loadVoices(); });
  await loadVoices();
}

start();

/*
 * StreamFX overlay page: draws the `render` of every activation pushed over the
 * WebSocket (docs/RENDER.md). Nothing else from the server is ever shown.
 *
 * - The overlay key is read from `?key=` and then removed from the address bar.
 *   It is sent as the first WebSocket message, never in the socket's URL.
 * - Reconnects with exponential backoff (0.5 s doubling to 30 s, with jitter).
 *   Close code 4401 (wrong or replaced key) stops the page for good: it goes
 *   transparent and never retries. On air it stays blank; in preview mode
 *   (`&preview=1`, `streamfx overlay preview`) it says why and how to fix it.
 * - Effects that would cover each other in the same area wait their turn, in
 *   order: one lane each for banners, flashes, the centre (images and videos),
 *   sounds and shakes. Confetti and sparkles share one canvas and mix freely.
 *   {"type": "clear"} empties the screen and every lane.
 * - An overlay-kind activation (confetti, sparkles) it starts drawing is acknowledged
 *   with {"type": "drawn", "activationId"}: nothing else reports those, so their
 *   delivery reads "shown on N overlay pages" (docs/AGENT.md "Delivery record").
 *
 * `window.streamfxOverlay` is a read-only view of the page's state, for tests
 * and for anyone debugging the Browser Source:
 *   connected           the socket is open and authenticated
 *   stopped             the key was refused or replaced; the page will not retry
 *   connectionAttempts  WebSockets opened so far
 *   queues              {banner, flash, center, audio, shake}: effects waiting
 *   playing             the same lanes: true while one is on screen; particles: count
 *   kinds               every kind the page knows: true if it draws it, false if OBS does
 *   defaults            {colors, durationMs}: what a render that leaves them out gets
 */
(() => {
  "use strict";

  const STAGE_WIDTH = 1920;
  const STAGE_HEIGHT = 1080;
  const MAX_WAITING = 20; // per lane; more is a stuck macro, not an audience
  const MAX_DURATION_MS = 3600000;
  const BACKOFF_FIRST_MS = 500;
  const BACKOFF_MAX_MS = 30000;
  const STABLE_AFTER_MS = 5000; // a connection this old resets the backoff
  const CONNECT_TIMEOUT_MS = 10000; // no "ready" by then: try again
  const PING_EVERY_MS = 20000;
  const SILENT_FOR_MS = 50000; // no message at all for this long: the socket is dead
  const CLOSE_UNAUTHORIZED = 4401;

  // The look of a render without a brand kit (streamfx_wire.vocabulary; a test compares).
  const DEFAULT_COLORS = {
    primary: "#7B2FF7",
    secondary: "#F107A3",
    accent: "#FFD166",
    background: "#0B0B0F",
    text: "#FFFFFF",
  };
  const ROLES = Object.keys(DEFAULT_COLORS);
  // What a render with durationMs 0 ("instant") shows for on this page: the kind's
  // default duration (streamfx_wire.kinds; a test compares).
  const DEFAULT_DURATION = {
    text: 4000,
    flash: 250,
    image: 3000,
    media: 5000,
    shake: 600,
    overlay: 3000,
  };
  const HEX = /^#[0-9A-Fa-f]{6}$/;
  const FONT = /^[\p{L}\p{N}_ .-]{1,64}$/u;
  const SHA256 = /^[0-9a-f]{64}$/;

  const stage = document.getElementById("stage");
  const shaker = document.getElementById("shaker");
  const layers = {
    center: document.getElementById("layer-center"),
    banner: document.getElementById("layer-banner"),
    flash: document.getElementById("layer-flash"),
  };
  const canvas = document.getElementById("particles");
  const ctx = canvas.getContext("2d");

  // -- The key ----------------------------------------------------------------------

  let key = null;
  let previewMode = false;
  {
    const params = new URLSearchParams(location.search);
    key = params.get("key");
    // `streamfx overlay preview` opens the page in a normal browser: show a checkerboard
    // so the transparent areas are visible there (OBS never passes this flag).
    previewMode = params.get("preview") === "1";
    if (previewMode) document.documentElement.classList.add("preview");
    if (params.has("key")) {
      params.delete("key");
      const rest = params.toString();
      history.replaceState(null, "", location.pathname + (rest ? `?${rest}` : "") + location.hash);
    }
    if (!key || key.length > 4096) key = null;
  }

  // -- Layout: the stage is 1920x1080, scaled to whatever size the source is ----------

  function fit() {
    const scale = Math.min(window.innerWidth / STAGE_WIDTH, window.innerHeight / STAGE_HEIGHT);
    stage.style.transform = Math.abs(scale - 1) < 1e-3 || !(scale > 0) ? "" : `scale(${scale})`;
  }
  window.addEventListener("resize", fit);
  fit();

  // -- Reading a render defensively ------------------------------------------------

  const hex = (value, fallback) =>
    typeof value === "string" && HEX.test(value) ? value : fallback;
  const fontName = (value) => (typeof value === "string" && FONT.test(value) ? value.trim() : null);
  const fontStack = (name) => (name ? `"${name}", system-ui, sans-serif` : "system-ui, sans-serif");

  function number(value, min, max, fallback) {
    const n = typeof value === "number" && Number.isFinite(value) ? value : fallback;
    return Math.min(max, Math.max(min, n));
  }

  function normalize(raw) {
    if (!raw || typeof raw !== "object" || typeof raw.kind !== "string") return null;
    const colorsIn = raw.colors && typeof raw.colors === "object" ? raw.colors : {};
    const colors = {};
    for (const role of ROLES) colors[role] = hex(colorsIn[role], DEFAULT_COLORS[role]);
    const fontIn = raw.font && typeof raw.font === "object" ? raw.font : {};
    const font = {
      heading: fontName(fontIn.heading),
      body: fontName(fontIn.body),
      size: number(fontIn.size, 8, 200, 48),
    };
    let duration = number(raw.durationMs, 0, MAX_DURATION_MS, 0);
    if (duration <= 0) duration = DEFAULT_DURATION[raw.kind] || 1000;
    const motion = Math.round(number(raw.motionIntensity, 1, 5, 3));
    return { kind: raw.kind, raw, colors, font, duration, motion };
  }

  function assetOf(r, prefix) {
    const a = r.raw.asset;
    if (!a || typeof a !== "object" || typeof a.sha256 !== "string" || !SHA256.test(a.sha256)) {
      return null;
    }
    const type = typeof a.contentType === "string" ? a.contentType.toLowerCase() : "";
    if (prefix && !type.startsWith(prefix)) return null;
    return { type, url: `/api/assets/${a.sha256}?key=${encodeURIComponent(key || "")}` };
  }

  // Motion intensity 1 (calm) .. 5 (bold): at 1 an effect only fades, quickly; each step
  // up travels further, overshoots more and arrives sooner. OBS draws with the same
  // numbers (streamfx_cli/obs/motion.py; docs/EFFECTS.md "Motion").
  function timing(r) {
    const step = r.motion - 1;
    let enter = 450 - 50 * step;
    let exit = 400 - 40 * step;
    const budget = r.duration * 0.8;
    if (enter + exit > budget) {
      const k = budget / (enter + exit);
      enter *= k;
      exit *= k;
    }
    return {
      enter: Math.round(enter),
      exit: Math.round(exit),
      distance: 50 * step,
      overshoot: 0.0375 * step,
    };
  }

  const EXIT = (t) => ({ duration: t.exit, easing: "ease-in", fill: "forwards" });

  function setVars(el, vars) {
    for (const [name, value] of Object.entries(vars)) el.style.setProperty(name, value);
  }

  // -- Lanes: one effect on screen per area, the rest wait in order -------------------

  const noop = () => {};

  class Lane {
    constructor(player) {
      this.player = player;
      this.waiting = [];
      this.current = null;
    }

    push(r) {
      if (!this.current) this.start(r);
      else if (this.waiting.length < MAX_WAITING) this.waiting.push(r);
    }

    start(r) {
      const token = { cancel: noop, watchdog: 0 };
      this.current = token;
      const done = () => {
        if (this.current !== token) return;
        clearTimeout(token.watchdog);
        this.current = null;
        const next = this.waiting.shift();
        if (next) this.start(next);
      };
      // A player that never finishes (a video that never loads) must not block the lane.
      token.watchdog = setTimeout(() => {
        token.cancel();
        done();
      }, r.duration + 15000);
      try {
        token.cancel = this.player(r, done) || noop;
      } catch (err) {
        console.error("StreamFX overlay: could not draw an effect", err);
        done();
      }
    }

    clear() {
      this.waiting.length = 0;
      const token = this.current;
      this.current = null;
      if (token) {
        clearTimeout(token.watchdog);
        token.cancel();
      }
    }
  }

  // Show `el`, play its entrance, hold, play its exit, remove it, then call done.
  function showFor(el, parent, r, enterFrames, exitFrames, done) {
    const t = timing(r);
    let over = false;
    parent.appendChild(el);
    el.animate(enterFrames(t), { duration: t.enter, easing: "ease-out", fill: "backwards" });
    const finish = () => {
      if (over) return;
      over = true;
      el.remove();
      done();
    };
    const hold = setTimeout(
      () => {
        const out = el.animate(exitFrames(t), EXIT(t));
        out.finished.then(finish, finish);
      },
      Math.max(0, r.duration - t.exit),
    );
    return () => {
      over = true;
      clearTimeout(hold);
      el.remove();
    };
  }

  function playBanner(r, done) {
    const raw = r.raw;
    const el = document.createElement("div");
    el.className = "sfx-banner";
    el.dataset.kind = "text";
    el.textContent = typeof raw.text === "string" ? raw.text.slice(0, 280) : "";
    setVars(el, {
      "--sfx-banner-bg": hex(raw.background, r.colors.primary),
      "--sfx-banner-fg": hex(raw.color, r.colors.text),
      "--sfx-accent": r.colors.accent,
      "--sfx-heading-font": fontStack(r.font.heading),
      "--sfx-font-size": `${r.font.size}px`,
    });
    return showFor(
      el,
      layers.banner,
      r,
      (t) => [
        { opacity: 0, transform: `translateY(${t.distance}px) scale(${1 - t.overshoot})` },
        {
          opacity: 1,
          transform: `translateY(${-t.distance * 0.1}px) scale(${1 + t.overshoot})`,
          offset: 0.7,
        },
        { opacity: 1, transform: "none" },
      ],
      (t) => [
        { opacity: 1, transform: "none" },
        { opacity: 0, transform: `translateY(${t.distance * 0.5}px)` },
      ],
      done,
    );
  }

  function playFlash(r, done) {
    const el = document.createElement("div");
    el.className = "sfx-flash";
    el.dataset.kind = "flash";
    const peak = number(r.raw.opacity, 0, 1, 0.85);
    setVars(el, { "--sfx-flash-color": hex(r.raw.color, r.colors.primary) });
    layers.flash.appendChild(el);
    // Calm kits fade in gently; wild ones hit at once.
    const rise = 0.45 - 0.08 * (r.motion - 1);
    const anim = el.animate(
      [
        { opacity: 0 },
        { opacity: peak, offset: rise },
        { opacity: peak, offset: Math.min(0.9, rise + 0.25) },
        { opacity: 0 },
      ],
      { duration: r.duration, easing: "linear", fill: "forwards" },
    );
    let over = false;
    const finish = () => {
      if (over) return;
      over = true;
      el.remove();
      done();
    };
    anim.finished.then(finish, finish);
    return () => {
      over = true;
      el.remove();
    };
  }

  const popIn = (t) => [
    { opacity: 0, transform: `scale(${Math.max(0.2, 1 - 2.5 * t.overshoot)})` },
    { opacity: 1, transform: `scale(${1 + t.overshoot})`, offset: 0.7 },
    { opacity: 1, transform: "none" },
  ];
  const popOut = (t) => [
    { opacity: 1, transform: "none" },
    { opacity: 0, transform: `scale(${1 - t.overshoot})` },
  ];

  function playImage(r, done) {
    const asset = assetOf(r, "image/");
    if (!asset) {
      done();
      return noop;
    }
    const img = new Image();
    img.className = "sfx-media";
    img.dataset.kind = "image";
    img.alt = "";
    img.decoding = "async";
    let cancelShow = null;
    let cancelled = false;
    img.onload = () => {
      if (!cancelled) cancelShow = showFor(img, layers.center, r, popIn, popOut, done);
    };
    img.onerror = () => {
      if (!cancelled) done();
    };
    img.src = asset.url;
    return () => {
      cancelled = true;
      img.removeAttribute("src");
      if (cancelShow) cancelShow();
      img.remove();
    };
  }

  function stopMedia(el) {
    el.pause();
    el.removeAttribute("src");
    el.load();
    el.remove();
  }

  function playVideo(r, asset, done) {
    const video = document.createElement("video");
    video.className = "sfx-media";
    video.dataset.kind = "media";
    video.playsInline = true;
    video.preload = "auto";
    video.volume = number(r.raw.volume, 0, 1, 1);
    let over = false;
    let timer = 0;
    const finish = () => {
      if (over) return;
      over = true;
      clearTimeout(timer);
      const t = timing(r);
      const out = video.animate(popOut(t), EXIT(t));
      out.finished.then(
        () => {
          stopMedia(video);
          done();
        },
        () => {
          stopMedia(video);
          done();
        },
      );
    };
    video.addEventListener("ended", finish);
    video.addEventListener("error", () => {
      over = true;
      stopMedia(video);
      done();
    });
    video.addEventListener(
      "playing",
      () => {
        if (over) return;
        const t = timing(r);
        video.animate(popIn(t), { duration: t.enter, easing: "ease-out", fill: "backwards" });
        timer = setTimeout(finish, r.duration);
      },
      { once: true },
    );
    video.src = asset.url;
    layers.center.appendChild(video);
    video.play().catch(() => {
      // No autoplay with sound here (OBS allows it): show the picture without it.
      if (over) return;
      video.muted = true;
      video.play().catch(() => {
        over = true;
        stopMedia(video);
        done();
      });
    });
    return () => {
      over = true;
      clearTimeout(timer);
      stopMedia(video);
    };
  }

  function playAudio(r, asset, done) {
    const audio = new Audio();
    audio.dataset.kind = "media";
    audio.preload = "auto";
    audio.volume = number(r.raw.volume, 0, 1, 1);
    let over = false;
    let timer = 0;
    const finish = () => {
      if (over) return;
      over = true;
      clearTimeout(timer);
      stopMedia(audio);
      done();
    };
    audio.addEventListener("ended", finish);
    audio.addEventListener("error", finish);
    audio.addEventListener(
      "playing",
      () => {
        if (!over) timer = setTimeout(finish, r.duration);
      },
      { once: true },
    );
    audio.src = asset.url;
    audio.play().catch(finish);
    return () => {
      over = true;
      clearTimeout(timer);
      stopMedia(audio);
    };
  }

  function playMedia(r, done) {
    const asset = assetOf(r, "");
    if (asset && asset.type.startsWith("video/")) return playVideo(r, asset, done);
    if (asset && asset.type.startsWith("audio/")) return playAudio(r, asset, done);
    done();
    return noop;
  }

  function playShake(r, done) {
    const amplitude = number(r.raw.amplitude, 0, 400, 12);
    const hz = number(r.raw.frequencyHz, 0.5, 60, 12);
    const period = 1000 / hz;
    setVars(shaker, {
      "--sfx-shake-amp": `${amplitude}px`,
      "--sfx-shake-period": `${period}ms`,
      "--sfx-shake-count": String(Math.max(1, Math.round(r.duration / period))),
    });
    shaker.classList.remove("sfx-shaking");
    void shaker.offsetWidth; // restart the CSS animation
    shaker.classList.add("sfx-shaking");
    let over = false;
    const finish = () => {
      if (over) return;
      over = true;
      clearTimeout(timer);
      shaker.removeEventListener("animationend", onEnd);
      shaker.classList.remove("sfx-shaking");
      done();
    };
    const onEnd = (event) => {
      if (event.target === shaker) finish();
    };
    shaker.addEventListener("animationend", onEnd);
    const timer = setTimeout(finish, r.duration + 100);
    return () => {
      over = true;
      clearTimeout(timer);
      shaker.removeEventListener("animationend", onEnd);
      shaker.classList.remove("sfx-shaking");
    };
  }

  const lanes = {
    banner: new Lane(playBanner),
    flash: new Lane(playFlash),
    center: new Lane((r, done) => (r.kind === "image" ? playImage(r, done) : playMedia(r, done))),
    audio: new Lane(playMedia),
    shake: new Lane(playShake),
  };

  // -- Particles: confetti and sparkles on one canvas -----------------------------------

  const FRAME_MS = 1000 / 60;
  const random = (min, max) => min + Math.random() * (max - min);
  const pick = (list) => list[Math.floor(Math.random() * list.length)];

  const particles = {
    systems: [],
    frame: 0,
    last: 0,

    get count() {
      return this.systems.reduce((n, s) => n + s.items.length, 0);
    },

    add(r) {
      const count = Math.round(number(r.raw.particleCount, 1, 1000, 100));
      const animation = r.raw.animation === "sparkles" ? "sparkles" : "confetti";
      const now = performance.now();
      const make = animation === "sparkles" ? sparkles : confetti;
      this.systems.push(make(r, count, now));
      if (!this.frame) {
        this.last = now;
        this.frame = requestAnimationFrame((t) => this.tick(t));
      }
    },

    tick(now) {
      const dt = Math.min(4, Math.max(0, (now - this.last) / FRAME_MS));
      this.last = now;
      ctx.clearRect(0, 0, STAGE_WIDTH, STAGE_HEIGHT);
      this.systems = this.systems.filter((s) => s.step(now, dt));
      this.frame = this.systems.length ? requestAnimationFrame((t) => this.tick(t)) : 0;
      if (!this.frame) ctx.clearRect(0, 0, STAGE_WIDTH, STAGE_HEIGHT);
    },

    clear() {
      if (this.frame) cancelAnimationFrame(this.frame);
      this.frame = 0;
      this.systems = [];
      ctx.clearRect(0, 0, STAGE_WIDTH, STAGE_HEIGHT);
    },
  };

  // Two cannons in the bottom corners, then the pieces flutter down.
  function confetti(r, count, start) {
    const speed = 0.6 + 0.2 * r.motion;
    const palette = [r.colors.primary, r.colors.secondary, r.colors.accent];
    const items = [];
    for (let i = 0; i < count; i++) {
      const left = i % 2 === 0;
      items.push({
        x: left ? random(-20, 120) : random(STAGE_WIDTH - 120, STAGE_WIDTH + 20),
        y: STAGE_HEIGHT + random(0, 40),
        vx: (left ? 1 : -1) * random(6, 19) * speed,
        vy: -random(20, 34) * speed,
        w: random(12, 22),
        h: random(7, 12),
        angle: random(0, Math.PI * 2),
        spin: random(-0.25, 0.25) * speed,
        flip: random(0, Math.PI * 2),
        flipSpeed: random(0.08, 0.2) * speed,
        color: pick(palette),
        delay: random(0, Math.min(400, r.duration * 0.2)),
      });
    }
    const end = start + r.duration;
    const fade = Math.min(800, r.duration * 0.3);
    return {
      items,
      step(now, dt) {
        if (now >= end) return false;
        const alpha = Math.min(1, (end - now) / fade);
        ctx.globalAlpha = alpha;
        const terminal = 3.5 * speed;
        for (const p of items) {
          if (now - start < p.delay) continue;
          p.vx *= 0.985 ** dt;
          p.vy = p.vy < terminal ? p.vy + 0.55 * speed * dt : terminal;
          p.x += p.vx * dt;
          p.y += p.vy * dt;
          p.angle += p.spin * dt;
          p.flip += p.flipSpeed * dt;
          if (p.y > STAGE_HEIGHT + 60 && p.vy > 0) continue;
          ctx.save();
          ctx.translate(p.x, p.y);
          ctx.rotate(p.angle);
          ctx.scale(1, Math.cos(p.flip));
          ctx.fillStyle = p.color;
          ctx.fillRect(-p.w / 2, -p.h / 2, p.w, p.h);
          ctx.restore();
        }
        ctx.globalAlpha = 1;
        return true;
      },
    };
  }

  // Four-pointed stars that pop up across the frame, twinkle and fade.
  function sparkles(r, count, start) {
    const palette = [r.colors.accent, r.colors.text, r.colors.secondary];
    const spread = r.duration * 0.7;
    const life = 1300 - 150 * (r.motion - 1);
    const items = [];
    for (let i = 0; i < count; i++) {
      items.push({
        x: random(80, STAGE_WIDTH - 80),
        y: random(60, STAGE_HEIGHT - 60),
        born: start + (i / count) * spread, // evenly through the first 70%
        life: random(0.7, 1.2) * life,
        size: random(10, 22) * (0.8 + 0.1 * r.motion),
        spin: random(-0.02, 0.02) * r.motion,
        color: pick(palette),
      });
    }
    const end = start + r.duration;
    return {
      items,
      step(now, _dt) {
        if (now >= end) return false;
        for (const s of items) {
          const age = (now - s.born) / s.life;
          if (age < 0 || age > 1) continue;
          const scale = Math.sin(Math.PI * age);
          star(s.x, s.y - 30 * age, s.size * scale, (now - s.born) * s.spin, s.color, scale);
        }
        return true;
      },
    };
  }

  function star(x, y, radius, angle, color, alpha) {
    if (radius <= 0.5) return;
    const inner = radius * 0.28;
    ctx.save();
    ctx.translate(x, y);
    ctx.rotate(angle);
    ctx.globalAlpha = Math.max(0, Math.min(1, alpha));
    ctx.fillStyle = color;
    ctx.beginPath();
    for (let i = 0; i < 4; i++) {
      const a = (i * Math.PI) / 2;
      ctx.lineTo(Math.cos(a) * radius, Math.sin(a) * radius);
      ctx.lineTo(Math.cos(a + Math.PI / 4) * inner, Math.sin(a + Math.PI / 4) * inner);
    }
    ctx.closePath();
    ctx.fill();
    ctx.beginPath();
    ctx.arc(0, 0, inner * 0.9, 0, Math.PI * 2);
    ctx.fill();
    ctx.restore();
  }

  // -- Drawing activations ------------------------------------------------------------

  // One entry for every kind of docs/RENDER.md (a test holds this to the server's list):
  // where its render goes, or null where OBS does it all and there is nothing to draw here.
  const KINDS = new Map([
    ["text", (r) => lanes.banner.push(r)],
    ["flash", (r) => lanes.flash.push(r)],
    ["image", (r) => lanes.center.push(r)],
    [
      "media",
      (r) => {
        const asset = assetOf(r, "");
        if (asset && asset.type.startsWith("video/")) lanes.center.push(r);
        else if (asset && asset.type.startsWith("audio/")) lanes.audio.push(r);
      },
    ],
    ["shake", (r) => lanes.shake.push(r)],
    ["overlay", (r) => particles.add(r)],
    ["scene", null],
    ["filter", null],
    ["hotkey", null],
    // A move or a filter ramp changes the streamer's own source in OBS, and a replay
    // saves a file: there is nothing of theirs to draw on this page.
    ["move", null],
    ["filter-ramp", null],
    ["replay", null],
  ]);

  // Draws a render; returns its kind if the page started drawing it, else null.
  function draw(raw) {
    const r = normalize(raw);
    if (!r) return null;
    const play = KINDS.get(r.kind);
    if (!play) return null;
    play(r);
    return r.kind;
  }

  function clearAll() {
    for (const lane of Object.values(lanes)) lane.clear();
    particles.clear();
    for (const layer of Object.values(layers)) layer.replaceChildren();
    shaker.classList.remove("sfx-shaking");
  }

  // -- The socket ---------------------------------------------------------------------

  const conn = {
    socket: null,
    connected: false,
    stopped: false,
    attempts: 0,
    failures: 0,
    openedAt: 0,
    lastHeard: 0,
    retryTimer: 0,
    pingTimer: 0,
  };
  const seen = new Set();

  function stop() {
    conn.stopped = true;
    conn.connected = false;
    key = null;
    clearTimeout(conn.retryTimer);
    clearInterval(conn.pingTimer);
    clearAll();
  }

  // Why the page shows nothing, for the creator looking at a preview; never on air, where
  // viewers would see it (docs/CLI.md "The overlay page").
  function explain(problem) {
    if (!previewMode) return;
    let notice = document.getElementById("notice");
    if (!notice) {
      notice = document.createElement("div");
      notice.id = "notice";
      notice.setAttribute("role", "alert");
      document.body.appendChild(notice);
    }
    notice.textContent = `${problem} Get the new URL with \`streamfx overlay url\`.`;
  }

  function socketUrl() {
    return `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/api/ws`;
  }

  function connect() {
    if (conn.stopped || conn.socket) return;
    conn.attempts += 1;
    let ws;
    try {
      ws = new WebSocket(socketUrl());
    } catch (err) {
      console.error("StreamFX overlay: cannot open the WebSocket", err);
      retry();
      return;
    }
    conn.socket = ws;
    const timeout = setTimeout(() => {
      if (ws === conn.socket && !conn.connected) ws.close();
    }, CONNECT_TIMEOUT_MS);
    ws.onopen = () => {
      conn.lastHeard = Date.now();
      ws.send(JSON.stringify({ type: "auth", token: key }));
    };
    ws.onmessage = (event) => {
      if (ws !== conn.socket) return;
      conn.lastHeard = Date.now();
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch {
        return;
      }
      if (!msg || typeof msg !== "object") return;
      if (msg.type === "ready") {
        clearTimeout(timeout);
        conn.connected = true;
        conn.openedAt = Date.now();
      } else if (msg.type === "effect.triggered") {
        const activation = msg.activation;
        if (!activation || typeof activation !== "object") return;
        if (typeof activation.id === "string") {
          if (seen.has(activation.id)) return;
          seen.add(activation.id);
          if (seen.size > 200) seen.delete(seen.values().next().value);
        }
        // Overlay-only effects have no agent to report them: the page acknowledges what
        // it started drawing, and their delivery counts the pages (docs/AGENT.md).
        if (draw(activation.render) === "overlay" && typeof activation.id === "string") {
          ws.send(JSON.stringify({ type: "drawn", activationId: activation.id }));
        }
      } else if (msg.type === "clear") {
        clearAll();
      }
      // Anything else (session and brand kit updates, errors) is not for the screen.
    };
    ws.onclose = (event) => {
      clearTimeout(timeout);
      if (ws !== conn.socket) return;
      conn.socket = null;
      const wasUp = conn.connected;
      conn.connected = false;
      if (event.code === CLOSE_UNAUTHORIZED) {
        stop();
        explain(
          event.reason === "overlay_key_rotated"
            ? "This overlay key was replaced (rotated), so this page shows nothing any more."
            : "This overlay key is not valid (it may have been rotated).",
        );
        return;
      }
      if (wasUp && Date.now() - conn.openedAt >= STABLE_AFTER_MS) conn.failures = 0;
      retry();
    };
  }

  function retry() {
    if (conn.stopped) return;
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** conn.failures);
    conn.failures = Math.min(conn.failures + 1, 16);
    // Jitter so that many overlays do not all come back in the same instant.
    const delay = ceiling * (0.5 + Math.random() * 0.5);
    clearTimeout(conn.retryTimer);
    conn.retryTimer = setTimeout(connect, delay);
  }

  function heartbeat() {
    const ws = conn.socket;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    if (Date.now() - conn.lastHeard > SILENT_FOR_MS) {
      ws.close(4000, "silent");
      return;
    }
    if (conn.connected) ws.send(JSON.stringify({ type: "ping" }));
  }

  // -- The read-only view for tests and debugging -------------------------------------

  const view = Object.freeze({
    get connected() {
      return conn.connected;
    },
    get stopped() {
      return conn.stopped;
    },
    get connectionAttempts() {
      return conn.attempts;
    },
    get queues() {
      const out = {};
      for (const [name, lane] of Object.entries(lanes)) out[name] = lane.waiting.length;
      return Object.freeze(out);
    },
    get playing() {
      const out = { particles: particles.count };
      for (const [name, lane] of Object.entries(lanes)) out[name] = lane.current !== null;
      return Object.freeze(out);
    },
    get kinds() {
      const out = {};
      for (const [kind, play] of KINDS) out[kind] = play !== null;
      return Object.freeze(out);
    },
    // How an effect shown for `durationMs` moves at `motionIntensity` (the OBS side
    // checks it draws with the same numbers).
    timing(durationMs, motionIntensity) {
      return Object.freeze(timing({ duration: durationMs, motion: motionIntensity }));
    },
    get defaults() {
      return Object.freeze({
        colors: Object.freeze({ ...DEFAULT_COLORS }),
        durationMs: Object.freeze({ ...DEFAULT_DURATION }),
      });
    },
  });
  Object.defineProperty(window, "streamfxOverlay", { value: view, enumerable: true });

  if (key === null) {
    stop(); // no key: nothing to show, nothing to try
    explain("This overlay URL has no key.");
  } else {
    conn.pingTimer = setInterval(heartbeat, PING_EVERY_MS);
    connect();
  }
})();

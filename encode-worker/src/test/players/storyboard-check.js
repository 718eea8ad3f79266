// Loads a ladder in Shaka Player, adds its storyboard as a thumbnails track (WebVTT with #xywh
// sprite fragments, as seek-preview plugins read it) and reports, for each asked time, the
// thumbnail the player picks and whether its sprite sheet decodes in the browser.
'use strict';

window.checkStoryboard = async function (masterUrl, vttUrl, times) {
  const report = { player: 'shaka', thumbnails: [], fatal: [] };
  shaka.polyfill.installAll();
  const player = new shaka.Player();
  player.addEventListener('error', event => report.fatal.push('Shaka error ' + event.detail.code));
  try {
    await player.attach(document.getElementById('video'));
    await player.load(masterUrl);
    const track = await player.addThumbnailsTrack(vttUrl, 'text/vtt');
    for (const time of times) {
      const thumbnail = await player.getThumbnails(track.id, time);
      if (!thumbnail) {
        report.thumbnails.push({ time, found: false });
        continue;
      }
      const image = new Image();
      const decoded = await new Promise(resolve => {
        image.onload = () => resolve(image.naturalWidth > 0);
        image.onerror = () => resolve(false);
        image.src = thumbnail.uris[0];
      });
      report.thumbnails.push({ time, found: true, uri: thumbnail.uris[0], startTime: thumbnail.startTime,
        duration: thumbnail.duration, x: thumbnail.positionX, y: thumbnail.positionY, width: thumbnail.width,
        height: thumbnail.height, decoded, sheetWidth: image.naturalWidth, sheetHeight: image.naturalHeight });
    }
  } catch (e) {
    report.fatal.push(String(e && e.message || e));
  } finally {
    await player.destroy();
  }
  return report;
};

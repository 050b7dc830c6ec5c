/// <reference lib="webworker" />
import { measureJpeg } from "../../shared/image/measures";
import { makeThumbnail } from "../../shared/image/thumbnail";

/** A fetched picture's thumbnail and measures, off the hub's main thread: a full-size JPEG takes seconds to decode. */
declare const self: Worker;
self.onmessage = async (event: MessageEvent<Uint8Array>) => {
  try {
    const thumbnail = await makeThumbnail(event.data);
    self.postMessage({ thumbnail, measures: measureJpeg(event.data) }, [thumbnail.buffer]);
  } catch (e) {
    self.postMessage({ error: (e as Error).message });
  }
};

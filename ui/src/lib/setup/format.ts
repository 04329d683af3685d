/** The short form of an image id, as `docker images` shows it. */
export function shortImageId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

// The images a markdown cell may take as attachments, and their bytes in
// base64: plain functions, with no editor (pasteImage.ts takes them from a
// paste or a drop in one).

/** The image types a cell may attach. */
export const ATTACHABLE = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

/** The file's bytes in base64. */
export async function base64Of(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Characters that cannot stand in one path segment, and `%`, so that the encoding reverses. */
const UNSAFE = /[%/\\\0]/g;

const escape = (character: string) => `%${character.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;

/**
 * The Maildir folder of a (lower-cased) address: the address itself, but for `/`, `\`, NUL, `%`
 * and a leading dot, each written `%XX`. So no address names a path outside its own folder,
 * another mailbox's (`outbound`) or a hidden one (`.spool`), and existing folders keep their names.
 */
export function mailboxFolder(address: string): string {
  return address.replace(UNSAFE, escape).replace(/^\./, escape);
}

/** The address a folder made by `mailboxFolder` stands for. */
export function folderAddress(folder: string): string {
  return folder.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

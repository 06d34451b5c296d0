/** Hides the password of a connection URL so it can be logged or put in an error. */
export function maskUrl(raw: string): string {
  return raw.replace(/(\/\/[^:/@\s]+:)[^@/\s]+@/, "$1****@");
}

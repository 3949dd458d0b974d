/** What the shop services answer with: their name and version. */
export function banner(service, version) {
  return { service, version };
}

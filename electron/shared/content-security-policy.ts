// The one policy both hosts send with the Control Panel's page: the desktop window's app:// protocol and
// the headless web host. Our own code only; API calls to our own origin; no frames, no forms, no plugins.
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

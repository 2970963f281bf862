/* The site's Klaro configuration, read by klaro.js as the real Klaro reads window.klaroConfig. */
window.klaroConfig = {
  storageMethod: "cookie",
  cookieName: "klaro",
  cookieExpiresAfterDays: 180,
  services: [
    { name: "essentials", title: "Essentials", purposes: ["functional"], required: true },
    { name: "webtrack", title: "Visit tracking", purposes: ["analytics"], default: true },
  ],
};

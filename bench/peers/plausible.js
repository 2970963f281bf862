// Plausible's tracker as a site would configure it: page views and outbound link clicks
// (its link-click feature), sent to the bench's local collector.
import { init } from "@plausible-analytics/tracker";

init({
  domain: "shop.localhost", endpoint: new URL("/api/event", document.currentScript.src).href,
  outboundLinks: true, captureOnLocalhost: true, logging: false,
});

// Snowplow's browser tracker as a site would configure it: a page view and link clicks,
// sent to the bench's local collector (the origin this bundle was loaded from).
import { newTracker, trackPageView } from "@snowplow/browser-tracker";
import {
  LinkClickTrackingPlugin, enableLinkClickTracking,
} from "@snowplow/browser-plugin-link-click-tracking";

newTracker("sp", new URL(document.currentScript.src).origin, {
  appId: "shop", plugins: [LinkClickTrackingPlugin()],
});
enableLinkClickTracking();
trackPageView();

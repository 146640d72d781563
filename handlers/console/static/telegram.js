// Telegram's side of the Mini App. Its script (telegram-web-app.js) is used when the page has it; it is not shipped
// (everything here works offline), so without it the launch parameters come from the URL's hash, where Telegram puts
// them, and events go to Telegram the way that script sends them (core.telegram.org/api/web-events).

const webApp = window.Telegram?.WebApp;
const launch = new URLSearchParams(location.hash.slice(1));

/** The signed initData the server checks on every request. */
export const initData = webApp?.initData || launch.get("tgWebAppData") || "";

/** Telegram's colours ({bg_color: "#fff", ...}), or none when the page was opened elsewhere. */
export function themeParams() {
  if (webApp?.themeParams) return webApp.themeParams;
  try {
    return JSON.parse(launch.get("tgWebAppThemeParams") ?? "{}");
  } catch {
    return {};
  }
}

function postEvent(eventType) {
  if (window.TelegramWebviewProxy)
    window.TelegramWebviewProxy.postEvent(eventType); // mobile and desktop apps
  else if (window.parent !== window)
    window.parent.postMessage(JSON.stringify({ eventType }), "https://web.telegram.org");
}

/** Tell Telegram the page is drawn (it hides its placeholder) and ask for the full height. */
export function ready() {
  if (webApp) {
    webApp.ready();
    webApp.expand();
    return;
  }
  postEvent("web_app_ready");
  postEvent("web_app_expand");
}

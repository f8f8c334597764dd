// The sign-in page is one static document: after a failed single sign-on (<base>/login?error=<code>), show the
// sentence prepared for that code.
(() => {
  const code = new URLSearchParams(location.search).get("error");
  if (!code) return;
  const show = () => {
    const known = [...document.querySelectorAll("[data-sso-error]")];
    const match =
      known.find((el) => el.dataset.ssoError === code) ?? known.find((el) => el.dataset.ssoError === "sso_failed");
    if (match) match.hidden = false;
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", show);
  else show();
})();

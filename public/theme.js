// Runs synchronously in <head> so the chosen theme applies before the first paint.
(() => {
  const root = document.documentElement;
  const apply = (theme) => {
    if (theme === "light" || theme === "dark") root.dataset.theme = theme;
    else delete root.dataset.theme;
  };
  const stored = () => {
    try {
      return localStorage.getItem("netronome-theme");
    } catch {
      return null;
    }
  };
  const effective = () => root.dataset.theme || (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
  const markChoice = () => {
    const choice = stored() || "system";
    for (const b of document.querySelectorAll("[data-theme-set]"))
      b.setAttribute("aria-pressed", String(b.getAttribute("data-theme-set") === choice));
  };
  apply(stored());
  document.addEventListener("DOMContentLoaded", markChoice);

  // data-theme-set="light|dark|system" sets a theme; data-theme-toggle flips between light and dark.
  document.addEventListener("click", (event) => {
    const target =
      event.target instanceof Element ? event.target.closest("[data-theme-toggle],[data-theme-set]") : null;
    if (!target) return;
    const choice = target.hasAttribute("data-theme-toggle")
      ? effective() === "dark"
        ? "light"
        : "dark"
      : target.getAttribute("data-theme-set");
    try {
      if (choice === "system") localStorage.removeItem("netronome-theme");
      else localStorage.setItem("netronome-theme", choice);
    } catch {}
    apply(choice);
    markChoice();
    document.dispatchEvent(new CustomEvent("netronome:theme", { detail: { theme: effective() } }));
  });
  window.netronomeTheme = effective;
})();

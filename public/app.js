// Alpine components shared by the pages. Loaded before Alpine (both deferred), so registration happens in alpine:init.
document.addEventListener("alpine:init", () => {
  window.Alpine.data("passwordField", () => ({
    visible: false,
    toggle() {
      this.visible = !this.visible;
    },
  }));
});

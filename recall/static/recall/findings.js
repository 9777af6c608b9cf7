// The sample's findings form (admin/recall/samplerun/findings.html): Enter in a row's choice
// moves to the next row instead of submitting, so a finding per signature is keys only.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("findings-form");
  if (!form) return;
  const choices = Array.from(form.querySelectorAll("table.findings select"));
  choices.forEach((choice, i) => {
    choice.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      const next = choices[i + 1] || form.querySelector("textarea, [type=submit]");
      next.focus();
    });
  });
});

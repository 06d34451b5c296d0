/** Svelte compiler options for the console (defaults: Svelte 5 runes, TypeScript in <script lang="ts">). */
export default {};

// Public exports of this folder; filled in as modules land.
export {};

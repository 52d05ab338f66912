// placeholder replaced below
export function timeNotebooks() { return []; }

/** A module `plugins.modules` may name by mistake: it exports no plugin factory. */
export const version = 1;

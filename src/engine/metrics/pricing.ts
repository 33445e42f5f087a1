// Assumed cloud prices, named once for the engine's cost series and the page's figures.
// Never: depends on anything (the page imports it without pulling the engine in).

/**
 * Traffic between availability zones: AWS bills inter-AZ data transfer at $0.01/GB in each
 * direction (out of the sender's zone and into the receiver's), so a byte that crosses zones
 * costs twice this. GB = 10^9 bytes.
 */
export const CROSS_ZONE_USD_PER_GB_EACH_WAY = 0.01;
export const CROSS_ZONE_USD_PER_BYTE = (2 * CROSS_ZONE_USD_PER_GB_EACH_WAY) / 1e9;

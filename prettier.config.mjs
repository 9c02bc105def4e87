// Matched to the code as it was written before Prettier: single quotes, semicolons, trailing commas and
// lines up to about 150 characters (150 changes the fewest lines of the widths tried, 100 to 180).
export default {
  printWidth: 150,
  singleQuote: true,
};

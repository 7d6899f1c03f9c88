/**
 * Money is carried as a plain number of US dollars through every calculation and rounded only here,
 * when it is shown: rounding each part first would make totals disagree with their parts.
 */

const USD = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });

/**
 * Dollars as people read them: `$0.35`, `$12.40`, `$1,234.00`. An amount that is not zero but would
 * round to zero shows as `<$0.01`, so a short run never looks free.
 */
export function formatUsd(amount: number): string {
  if (!Number.isFinite(amount)) return '$?';
  if (amount !== 0 && Math.abs(amount) < 0.01) return amount > 0 ? '<$0.01' : '-<$0.01';
  // Intl writes negative zero as "-$0.00".
  return USD.format(amount === 0 ? 0 : amount);
}

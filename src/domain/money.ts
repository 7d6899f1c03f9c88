/**
 * Money is carried as a plain number of US dollars through every calculation and rounded only here,
 * when it is shown: rounding each part first would make totals disagree with their parts.
 */

/**
 * Dollars as people read them: `$0.35`, `$12.40`, `$1,234.00`. An amount that is not zero but would
 * round to zero shows as `<$0.01`, so a short run never looks free.
 */
export function formatUsd(amount: number): string {
  if (!Number.isFinite(amount)) return '$?';
  if (amount !== 0 && Math.abs(amount) < 0.01) return amount > 0 ? '<$0.01' : '-<$0.01';
  // By hand rather than Intl.NumberFormat: building a currency formatter loads ICU's currency data,
  // about 20 ms of every cold start, for one fixed format. Like Intl, it rounds the shortest decimal
  // that reads back as the number (1.005 to 1.01, though the double is just under 1.005), half up.
  const cents = roundedCents(Math.abs(amount));
  const whole = String(Math.floor(cents / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const sign = amount < 0 && cents > 0 ? '-' : '';
  return `${sign}$${whole}.${String(cents % 100).padStart(2, '0')}`;
}

function roundedCents(amount: number): number {
  const decimal = String(amount);
  if (decimal.includes('e')) return Math.round(amount * 100);
  const [whole = '0', fraction = ''] = decimal.split('.');
  const cents = Number(whole) * 100 + Number(fraction.slice(0, 2).padEnd(2, '0'));
  return (fraction[2] ?? '0') >= '5' ? cents + 1 : cents;
}

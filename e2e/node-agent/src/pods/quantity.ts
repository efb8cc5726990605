/** Kubernetes resource quantities ("512Mi", "1.5Gi", "250m", "2", "1e3") as plain numbers. */

const binary: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const decimal: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

export function parseQuantity(text: string | number): number {
  if (typeof text === 'number') return text;
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(text.trim());
  if (!match) throw new Error(`not a resource quantity: "${text}"`);
  const value = Number(match[1]) * (match[2] ? Number(`1${match[2]}`) : 1);
  const suffix = match[3] ?? '';
  return value * (binary[suffix] ?? decimal[suffix]!);
}

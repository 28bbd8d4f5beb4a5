import type { MouseEvent } from 'react';
import { useLocation } from 'wouter';

/** Props for a Mantine component rendered as a link that the client router follows. */
export function useLinkProps() {
  const [, navigate] = useLocation();
  return (href: string) => ({
    component: 'a' as const,
    href: `/console${href}`,
    onClick: (e: MouseEvent) => {
      if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
      e.preventDefault();
      navigate(href);
    },
  });
}

/** One formatter for every time shown (a fresh toLocaleString per cell is costly in lists). */
const TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });

export function formatTime(ms: number | undefined): string {
  if (!ms) return '—';
  return TIME.format(ms);
}

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

export function formatTime(ms: number | undefined): string {
  if (!ms) return '—';
  return new Date(ms).toLocaleString();
}

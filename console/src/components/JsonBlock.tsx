import { Box, Button, Code, CopyButton } from '@mantine/core';

export function JsonBlock({ value, label }: { value: unknown; label?: string }) {
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return (
    <Box pos="relative">
      <Code block aria-label={label} style={{ maxHeight: 420, overflow: 'auto' }}>
        {text}
      </Code>
      <CopyButton value={text}>
        {({ copied, copy }) => (
          <Button
            size="compact-xs"
            variant="default"
            onClick={copy}
            pos="absolute"
            top={6}
            right={6}
            aria-label={`Copy ${label ?? 'text'}`}
          >
            {copied ? 'Copied' : 'Copy'}
          </Button>
        )}
      </CopyButton>
    </Box>
  );
}

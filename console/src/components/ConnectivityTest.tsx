import { Alert, Badge, Button, Group, Paper, Progress, Stack, Text, Timeline } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { ApiCallError, callApi } from '../api/client';
import { openApiQuery } from '../api/openapi';
import { getCredentials } from '../api/session';
import type { Connectivity } from '../api/types';
import { ErrorPanel } from './ErrorPanel';

/**
 * The server's budget for the whole test, as it states it in /openapi.json
 * (`x-dshub-time-budget-ms`, from DSHUB_CONNECTIVITY_TOTAL_TIMEOUT_MS); undefined until read,
 * or if the document cannot be read (then only the elapsed time is shown).
 */
function useBudgetMs(): number | undefined {
  const ops = useQuery(openApiQuery);
  return ops.data?.find((o) => o.action === 'TestDataSourceConnectivity')?.timeBudgetMs;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

const VERDICT: Record<Connectivity['ConnectState'], { color: string; text: string }> = {
  Connectable: { color: 'green', text: 'Connectable' },
  ConfigError: { color: 'orange', text: 'Not connectable: configuration error' },
  Unreachable: { color: 'red', text: 'Not connectable: unreachable' },
  Unsupport: { color: 'gray', text: 'This type cannot be tested' },
};

export function ConnectivityTest({ pid, id }: { pid: string; id: number }) {
  const [running, setRunning] = useState(false);
  const [elapsed, setElapsed] = useState(0);
  const [result, setResult] = useState<Connectivity | null>(null);
  const [error, setError] = useState<unknown>(null);
  const abort = useRef<AbortController | null>(null);
  const budgetMs = useBudgetMs();

  useEffect(() => () => abort.current?.abort(), []);

  async function run() {
    const creds = getCredentials();
    if (!creds) return;
    const controller = new AbortController();
    abort.current = controller;
    setRunning(true);
    setResult(null);
    setError(null);
    const started = performance.now();
    const timer = setInterval(() => setElapsed(performance.now() - started), 100);
    try {
      const r = await callApi<{ Connectivity: Connectivity }>(
        creds,
        'TestDataSourceConnectivity',
        { ProjectId: pid, DataSourceId: id, ResourceGroupId: 'dshub' },
        { signal: controller.signal },
      );
      setResult(r.Connectivity);
    } catch (err) {
      setError(err);
    } finally {
      clearInterval(timer);
      setElapsed(performance.now() - started);
      setRunning(false);
    }
  }

  const verdict = result ? VERDICT[result.ConnectState] : null;
  return (
    <Stack>
      <Group>
        <Button onClick={() => void run()} loading={running} data-testid="test-connectivity">
          Test connectivity
        </Button>
        {running && (
          <Button variant="default" color="red" onClick={() => abort.current?.abort()}>
            Cancel
          </Button>
        )}
        {(running || result || error !== null) && (
          <Text size="sm" c="dimmed" data-testid="connectivity-elapsed">
            {budgetMs
              ? `${seconds(elapsed)} of this server's ${seconds(budgetMs)} budget`
              : `${seconds(elapsed)} elapsed`}
          </Text>
        )}
      </Group>
      {running && budgetMs !== undefined && (
        <Progress
          value={Math.min(100, (elapsed / budgetMs) * 100)}
          aria-label="Time elapsed against the test's budget"
          animated
        />
      )}
      {error instanceof ApiCallError && error.kind === 'aborted' ? (
        <Alert color="gray">Cancelled: the page stopped waiting for the answer.</Alert>
      ) : (
        error !== null && <ErrorPanel error={error} />
      )}
      {result && verdict && (
        <Paper withBorder p="md">
          <Stack>
            <Group>
              <Badge size="lg" color={verdict.color} data-testid="connect-state">
                {verdict.text}
              </Badge>
              <Text size="sm">{result.ConnectMessage}</Text>
            </Group>
            <Timeline
              active={result.DetailLogs.length - 1}
              bulletSize={18}
              lineWidth={2}
              aria-label="Connectivity steps"
            >
              {result.DetailLogs.map((log) => (
                <Timeline.Item
                  key={`${log.Code}-${log.StartTime}`}
                  color={
                    /fail|error|refused|timeout|denied/i.test(log.Code) ? 'red' : verdict.color
                  }
                  title={
                    <Group gap="xs">
                      <Text fw={600} className="mono" size="sm">
                        {log.Code}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {log.EndTime - log.StartTime} ms
                      </Text>
                    </Group>
                  }
                >
                  <Text size="sm">{log.Message}</Text>
                </Timeline.Item>
              ))}
            </Timeline>
          </Stack>
        </Paper>
      )}
    </Stack>
  );
}

import React, { useState } from 'react';
import { Alert, Button, Flex, Text, hubspot } from '@hubspot/ui-extensions';
import { GATEWAY_URL } from './gateway.js';

// The connector's UI opens in HubSpot's iframe modal at the size it is designed for (900 x 650 and up).
const MODAL = { width: 1100, height: 760 };

hubspot.extend(({ actions }) => <LaunchCard openIframeModal={actions.openIframeModal} />);

function LaunchCard({ openIframeModal }) {
  const [opening, setOpening] = useState(false);
  const [error, setError] = useState(null);

  const open = async () => {
    setOpening(true);
    setError(null);
    try {
      // HubSpot signs this request (X-HubSpot-Signature-v3) and adds portalId and userId to its query; the gateway
      // answers with a launch URL that works once, for one minute.
      const res = await hubspot.fetch(`${GATEWAY_URL}/api/v1/launch`, { method: 'POST', timeout: 15000 });
      let body = null;
      try {
        body = await res.json();
      } catch {
        body = null;
      }
      if (!res.ok || !body || typeof body.launchUrl !== 'string') {
        const message = body && body.error && body.error.message;
        throw new Error(message || `The gateway answered ${res.status}.`);
      }
      openIframeModal({ uri: body.launchUrl, width: MODAL.width, height: MODAL.height, title: 'Power BI connector', flush: true });
    } catch (e) {
      setError(e instanceof Error && e.message ? e.message : 'The gateway could not be reached.');
    } finally {
      setOpening(false);
    }
  };

  return (
    <Flex direction="column" gap="sm">
      <Text>
        Build live OData feeds of this portal's CRM data for Power BI, share them with your team, and create the
        access tokens Power BI signs in with.
      </Text>
      {error && (
        <Alert title="The connector could not open" variant="danger">
          {error}
        </Alert>
      )}
      <Button variant="primary" onClick={open} disabled={opening}>
        {opening ? 'Opening…' : 'Open Power BI connector'}
      </Button>
    </Flex>
  );
}

#!/usr/bin/env bash
# The service document and $metadata: what Power BI reads first.
. "$(dirname "$0")/lib.sh"
it_setup it_metadata
auth=(-H "Authorization: Bearer $TOKEN")
XSD="$(gw_root)/../shared/odata-spec/edmx.xsd"

st=$(http GET "$GW_URL/odata/$DS/" "${auth[@]}")
t_is "$st" 200 "service document: 200"
t_is "$(jq -r '.["@odata.context"]' "$T_DIR/b")" "$GW_URL/odata/$DS/\$metadata" "service document: @odata.context"
t_is "$(jq -r '[.value[].name] | sort | join(",")' "$T_DIR/b")" "companies,contacts,deals,tickets" "service document: one entity set per object"
t_is "$(jq -r '[.value[].kind] | unique | join(",")' "$T_DIR/b")" "EntitySet" "service document: kinds"
st=$(http GET "$GW_URL/odata/$DS" "${auth[@]}")
t_is "$st" 200 "service document without the trailing slash: 200"

st=$(http GET "$GW_URL/odata/$DS/\$metadata" "${auth[@]}")
t_is "$st" 200 "\$metadata: 200"
grep -qi '^content-type: application/xml' "$T_DIR/h"; t_ok $? "\$metadata: application/xml"
t_is "$(grep -ci '^odata-version: 4.0' "$T_DIR/h")" 1 "\$metadata: OData-Version 4.0 once"
xmllint --noout --schema "$XSD" "$T_DIR/b" 2>"$T_DIR/xmllint.err"; t_ok $? "\$metadata validates against the OASIS edmx.xsd"
cat "$T_DIR/xmllint.err" | sed 's/^/# /' | head -5
cp "$T_DIR/b" "$T_DIR/metadata.xml"
for type in Edm.String Edm.Decimal Edm.Date Edm.DateTimeOffset Edm.Boolean; do
    grep -q "Type=\"$type\"" "$T_DIR/metadata.xml"; t_ok $? "\$metadata uses $type"
done
grep -q '<PropertyRef Name="id"/>' "$T_DIR/metadata.xml"; t_ok $? "\$metadata: key property id"
# every HubSpot property of contacts became a column
n_sim=$(curl -s "$GW_TEST_SIM_URL/crm/v3/properties/contacts" -H "Authorization: Bearer $(curl -s -X POST "$GW_TEST_SIM_URL/oauth/v1/token" \
    -d grant_type=refresh_token -d client_id="$GW_TEST_SIM_CLIENT_ID" -d client_secret="$GW_TEST_SIM_CLIENT_SECRET" \
    --data-urlencode refresh_token="$GW_TEST_SIM_REFRESH" | jq -r .access_token)" | jq '.results | length')
n_gw=$(xmllint --xpath 'count(//*[local-name()="EntityType"][@Name="contact"]/*[local-name()="Property"])' "$T_DIR/metadata.xml")
t_is "$n_gw" "$((n_sim + 1))" "contacts: every HubSpot property plus the key"

st=$(http GET "$GW_URL/odata/$DS/nosuchset" "${auth[@]}")
t_is "$st" 404 "unknown entity set: 404"
jq -e .error.message "$T_DIR/b" >/dev/null; t_ok $? "unknown entity set: OData error body"
st=$(http GET "$GW_URL/odata/$DS/contacts?\$apply=groupby((city))" "${auth[@]}")
t_is "$st" 501 "\$apply (not served): 501 with a clear message"
st=$(http GET "$GW_URL/odata/$DS/contacts?\$skiptoken=abc.def" "${auth[@]}")
t_is "$st" 400 "forged \$skiptoken: 400"
st=$(http GET "$GW_URL/healthz")
t_is "$st" 200 "healthz: 200"

t_done

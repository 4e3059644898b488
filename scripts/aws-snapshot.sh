#!/bin/sh
# Save the read-only AWS CLI outputs that `netemu import aws DIR` reads (docs/import.md).
#
#   scripts/aws-snapshot.sh DIR [REGION ...]        (default: the CLI's configured Region)
#
# Runs plain `aws` calls with your own credentials and profile (AWS_PROFILE etc.); it changes
# nothing in the account. Permissions needed (all read-only): ec2:DescribeVpcs,
# ec2:DescribeVpcAttribute, ec2:DescribeSubnets, ec2:DescribeRouteTables,
# ec2:DescribeSecurityGroups, ec2:DescribeNetworkAcls, ec2:DescribeInternetGateways,
# ec2:DescribeEgressOnlyInternetGateways, ec2:DescribeNatGateways, ec2:DescribeInstances,
# ec2:DescribeVpcPeeringConnections, ec2:DescribeVpcEndpoints, ec2:DescribeTransitGateways,
# ec2:DescribeTransitGatewayVpcAttachments, ec2:DescribeTransitGatewayAttachments,
# ec2:DescribeTransitGatewayPeeringAttachments,
# ec2:DescribeTransitGatewayRouteTables, ec2:SearchTransitGatewayRoutes,
# ec2:GetTransitGatewayRouteTablePropagations, ec2:DescribeDhcpOptions,
# ec2:DescribeManagedPrefixLists, ec2:GetManagedPrefixListEntries, ec2:DescribeVpnGateways,
# ec2:DescribeCustomerGateways, ec2:DescribeVpnConnections, ec2:DescribeNetworkInterfaces,
# ec2:DescribeAddresses,
# route53resolver:ListResolverEndpoints, route53resolver:ListResolverEndpointIpAddresses,
# route53resolver:ListResolverRules, route53resolver:ListResolverRuleAssociations,
# route53:ListHostedZones, route53:GetHostedZone, route53:ListResourceRecordSets,
# route53:ListHealthChecks. The AWS managed policy ReadOnlyAccess covers them.
#
# The outputs hold your account's network layout (ids, addresses, rules, DNS records) and, for
# instances, their tags: keep DIR private. The import keeps only what the model uses.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 DIR [REGION ...]" >&2; exit 2; }
dir=$1; shift
[ $# -ge 1 ] || set -- "$(aws configure get region)"
mkdir -p "$dir/route53"

for region in "$@"; do
    out="$dir/$region"
    mkdir -p "$out"
    for call in describe-vpcs describe-subnets describe-route-tables describe-security-groups \
                describe-network-acls describe-internet-gateways \
                describe-egress-only-internet-gateways describe-nat-gateways describe-instances \
                describe-vpc-peering-connections describe-vpc-endpoints \
                describe-transit-gateways describe-transit-gateway-vpc-attachments \
                describe-transit-gateway-attachments describe-transit-gateway-route-tables \
                describe-dhcp-options describe-managed-prefix-lists describe-vpn-gateways \
                describe-customer-gateways describe-vpn-connections \
                describe-network-interfaces describe-addresses \
                describe-transit-gateway-peering-attachments; do
        aws ec2 "$call" --region "$region" --output json > "$out/$call.json"
    done
    # per customer-managed prefix list: its entries (the id in the file name); AWS-managed
    # lists are named by their PrefixListName and use netemu's own entries
    for pl in $(aws ec2 describe-managed-prefix-lists --region "$region" \
                    --query "PrefixLists[?OwnerId!='AWS'].PrefixListId" --output text); do
        aws ec2 get-managed-prefix-list-entries --region "$region" --prefix-list-id "$pl" \
            --output json > "$out/get-managed-prefix-list-entries-$pl.json"
    done
    for call in list-resolver-endpoints list-resolver-rules list-resolver-rule-associations; do
        aws route53resolver "$call" --region "$region" --output json > "$out/$call.json"
    done
    for id in $(aws route53resolver list-resolver-endpoints --region "$region" \
                    --query 'ResolverEndpoints[].Id' --output text); do
        aws route53resolver list-resolver-endpoint-ip-addresses --region "$region" \
            --resolver-endpoint-id "$id" --output json \
            > "$out/list-resolver-endpoint-ip-addresses-$id.json"
    done
    # per transit gateway route table: its routes and propagations (the id in the file name)
    for rtb in $(aws ec2 describe-transit-gateway-route-tables --region "$region" \
                     --query 'TransitGatewayRouteTables[].TransitGatewayRouteTableId' --output text); do
        aws ec2 search-transit-gateway-routes --region "$region" \
            --transit-gateway-route-table-id "$rtb" --filters Name=state,Values=active,blackhole \
            --output json > "$out/search-transit-gateway-routes-$rtb.json"
        aws ec2 get-transit-gateway-route-table-propagations --region "$region" \
            --transit-gateway-route-table-id "$rtb" --output json \
            > "$out/get-transit-gateway-route-table-propagations-$rtb.json"
    done
    for vpc in $(aws ec2 describe-vpcs --region "$region" --query 'Vpcs[].VpcId' --output text); do
        for attr in enableDnsSupport enableDnsHostnames; do
            aws ec2 describe-vpc-attribute --region "$region" --vpc-id "$vpc" \
                --attribute "$attr" --output json > "$out/describe-vpc-attribute-$vpc-$attr.json"
        done
    done
done

r53="$dir/route53"
aws route53 list-hosted-zones --output json > "$r53/list-hosted-zones.json"
aws route53 list-health-checks --output json > "$r53/list-health-checks.json"
aws route53 list-cidr-collections --output json > "$r53/list-cidr-collections.json"
for id in $(aws route53 list-cidr-collections --query 'CidrCollections[].Id' --output text); do
    aws route53 list-cidr-blocks --collection-id "$id" --output json \
        > "$r53/list-cidr-blocks-$id.json"
done
for id in $(aws route53 list-hosted-zones --query 'HostedZones[].Id' --output text); do
    id=${id#/hostedzone/}
    aws route53 get-hosted-zone --id "$id" --output json > "$r53/get-hosted-zone-$id.json"
    aws route53 list-resource-record-sets --hosted-zone-id "$id" --output json \
        > "$r53/list-resource-record-sets-$id.json"
done
echo "saved to $dir; now: netemu import aws $dir -o netemu-import"

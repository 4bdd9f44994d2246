# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# t/20_farm.t with BITSFragmentSync On (every Ack durable) on both nodes,
# in its own location and store (t/conf/durable.conf.in).
use strict;
use warnings;
use FindBin;

$ENV{BITS_FARM_FRAGMENT_SYNC} = 'On';
do "$FindBin::Bin/20_farm.t";
die $@ if $@;

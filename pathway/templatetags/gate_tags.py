from django import template

from pathway.gate_links import link_reasons

register = template.Library()


@register.simple_tag
def linked_reasons(pathway, reasons):
    """`{% linked_reasons pathway reasons as linked %}`: each gate reason with the form that puts it
    right (pathway.gate_links)."""
    return link_reasons(pathway, reasons)

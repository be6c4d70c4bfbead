{{%AUTOESCAPE context="HTML"}}
<!doctype html>
<html><head><title>{{TITLE}}</title></head>
<body>
<h1 class="{{CLASS}}">{{HEADING}}</h1>
{{#HAS_USER}}<p>Signed in as <a href="/u/{{USER}}">{{USER}}</a></p>{{/HAS_USER}}
<ul>
{{#ITEM}}<li id="item-{{ID}}"><a href="{{URL}}">{{NAME}}</a> <span>{{PRICE}}</span></li>
{{/ITEM}}</ul>
<script>var footer = '{{FOOTER}}';</script>
</body></html>

{{%AUTOESCAPE context="HTML"}}
<p>{{V}}</p>
<input value="{{V}}">
<input value='{{V}}'>
<a href="{{URL}}">link</a>
<script>var s = '{{V}}'; var t = "{{V}}";</script>
<button onclick="go('{{V}}')">x</button>
